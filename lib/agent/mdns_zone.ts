/**
 * The DNS-SD side of Serf's mDNS discovery, free of sockets: the service a
 * Serf agent advertises (`_serf_<cluster>._tcp.local.`), the records
 * hashicorp/mdns's zone answers with, and the querier's assembly of answers
 * into service entries.
 *
 * @module
 */
import {
  DNS_CLASS_IN,
  DNS_CLASS_TOP_BIT,
  DNS_TYPE,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
  emptyDnsMessage,
} from "./mdns_packet.ts";

/** hashicorp/mdns's record TTL, in seconds. */
export const MDNS_TTL_SECONDS = 120;

/** The DNS-SD service name Serf registers and looks up for a cluster. */
export function serfServiceName(cluster: string): string {
  return `_serf_${cluster}._tcp`;
}

/** What the responder advertises. Names are fully qualified (trailing dot). */
export interface MdnsService {
  /** `node._serf_c._tcp.local.` */
  instanceName: string;
  /** `_serf_c._tcp.local.` */
  serviceName: string;
  /** `_services._dns-sd._udp.local.` */
  enumName: string;
  /** The host's name plus a dot, as hashicorp/mdns takes it from `os.Hostname`. */
  hostName: string;
  port: number;
  /** IPv4 and IPv6 literals. */
  addresses: string[];
  txt: string[];
}

/** The service a Serf agent advertises for `cluster` (Serf's NewAgentMDNS). */
export function serfMdnsService(
  options: { cluster: string; nodeName: string; hostName: string; port: number; addresses: string[] },
): MdnsService {
  const service = serfServiceName(options.cluster);
  const host = options.hostName.endsWith(".") ? options.hostName : `${options.hostName}.`;
  return {
    instanceName: `${options.nodeName}.${service}.local.`,
    serviceName: `${service}.local.`,
    enumName: "_services._dns-sd._udp.local.",
    hostName: host,
    port: options.port,
    addresses: options.addresses,
    txt: [`Serf '${options.cluster}' cluster`],
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The records answering one question, exactly the set hashicorp/mdns's zone
 * returns: a service PTR brings the instance's SRV (with the host's A/AAAA)
 * and TXT along, so one response is enough for a querier.
 */
export function serviceRecords(svc: MdnsService, q: DnsQuestion): DnsRecord[] {
  const head = (name: string) => ({ name, class: DNS_CLASS_IN, ttl: MDNS_TTL_SECONDS });
  const isPtr = q.type === DNS_TYPE.PTR || q.type === DNS_TYPE.ANY;
  const instance = (name: string, type: number): DnsRecord[] => {
    switch (type) {
      case DNS_TYPE.ANY:
        return [...instance(name, DNS_TYPE.SRV), ...instance(name, DNS_TYPE.TXT)];
      case DNS_TYPE.A:
        return svc.addresses.filter((a) => !a.includes(":"))
          .map((address) => ({ ...head(svc.hostName), type: "A", address }));
      case DNS_TYPE.AAAA:
        return svc.addresses.filter((a) => a.includes(":"))
          .map((address) => ({ ...head(svc.hostName), type: "AAAA", address }));
      case DNS_TYPE.SRV:
        return [
          { ...head(name), type: "SRV", priority: 10, weight: 1, port: svc.port, target: svc.hostName },
          ...instance(name, DNS_TYPE.A),
          ...instance(name, DNS_TYPE.AAAA),
        ];
      case DNS_TYPE.TXT:
        return [{ ...head(name), type: "TXT", texts: svc.txt }];
      default:
        return [];
    }
  };
  if (sameName(q.name, svc.enumName)) {
    return isPtr ? [{ ...head(q.name), type: "PTR", target: svc.serviceName }] : [];
  }
  if (sameName(q.name, svc.serviceName)) {
    if (!isPtr) return [];
    return [
      { ...head(q.name), type: "PTR", target: svc.instanceName },
      ...instance(svc.instanceName, DNS_TYPE.ANY),
    ];
  }
  if (sameName(q.name, svc.instanceName)) return instance(q.name, q.type);
  if (sameName(q.name, svc.hostName) && (q.type === DNS_TYPE.A || q.type === DNS_TYPE.AAAA)) {
    return instance(q.name, q.type);
  }
  return [];
}

/**
 * The responses to a query: answers to questions with the unicast bit go in
 * a reply carrying the query's id, the rest in one with id 0 (RFC 6762 §18.1).
 * Non-queries, truncated queries and non-zero opcodes or rcodes get nothing.
 */
export function answerQuery(svc: MdnsService, query: DnsMessage): DnsMessage[] {
  if (query.response || query.opcode !== 0 || query.rcode !== 0 || query.truncated) return [];
  const multicast: DnsRecord[] = [];
  const unicast: DnsRecord[] = [];
  for (const q of query.questions) {
    (q.class & DNS_CLASS_TOP_BIT ? unicast : multicast).push(...serviceRecords(svc, q));
  }
  const reply = (id: number, answers: DnsRecord[]) => ({
    ...emptyDnsMessage(),
    id,
    response: true,
    authoritative: true,
    answers,
  });
  const out: DnsMessage[] = [];
  if (multicast.length) out.push(reply(0, multicast));
  if (unicast.length) out.push(reply(query.id, unicast));
  return out;
}

/** A service instance as a querier pieces it together from records. */
export interface ServiceEntry {
  name: string;
  host: string;
  addrV4?: string;
  addrV6?: string;
  port: number;
  txt?: string[];
}

/**
 * Assembles service entries from responses during one query. Records are
 * keyed by owner name; an SRV makes its target host an alias of the instance
 * so the host's A/AAAA records land on the instance.
 */
export class ServiceEntryCollector {
  #entries = new Map<string, ServiceEntry & { sent: boolean }>();

  #entry(name: string) {
    const key = name.toLowerCase();
    let e = this.#entries.get(key);
    if (!e) this.#entries.set(key, e = { name, host: "", port: 0, sent: false });
    return e;
  }

  /**
   * Adds a response's answers and additionals.
   * @returns entries that became complete (address, port and TXT known), each once,
   *   and the names of touched entries still incomplete, to ask about again
   */
  add(msg: DnsMessage): { complete: ServiceEntry[]; incomplete: string[] } {
    const touched = new Set<ServiceEntry & { sent: boolean }>();
    for (const rr of [...msg.answers, ...msg.additionals]) {
      switch (rr.type) {
        case "PTR":
          touched.add(this.#entry(rr.target));
          break;
        case "SRV": {
          const e = this.#entry(rr.name);
          if (!sameName(rr.target, rr.name)) this.#entries.set(rr.target.toLowerCase(), e);
          e.host = rr.target;
          e.port = rr.port;
          touched.add(e);
          break;
        }
        case "TXT": {
          const e = this.#entry(rr.name);
          e.txt = rr.texts;
          touched.add(e);
          break;
        }
        case "A":
        case "AAAA": {
          const e = this.#entry(rr.name);
          if (rr.type === "A") e.addrV4 = rr.address;
          else e.addrV6 = rr.address;
          touched.add(e);
          break;
        }
      }
    }
    const complete: ServiceEntry[] = [];
    const incomplete: string[] = [];
    for (const e of touched) {
      if ((e.addrV4 || e.addrV6) && e.port !== 0 && e.txt) {
        if (!e.sent) complete.push({ ...e });
        e.sent = true;
      } else incomplete.push(e.name);
    }
    return { complete, incomplete };
  }
}
