/**
 * Serf's mDNS discovery (`serf agent -discover=<cluster>`): a responder that
 * advertises this agent as the DNS-SD service `_serf_<cluster>._tcp.local.`
 * (instance = node name, SRV port = gossip port, A/AAAA = advertise address)
 * and a querier that asks for that service every minute and joins every
 * agent that answers. The record set, TTLs and timings follow
 * hashicorp/mdns as Serf 0.9 uses it, so real `serf` agents and serfts agents
 * find each other.
 *
 * Sockets come from an injected {@linkcode MulticastOpener}; this file never
 * touches a runtime API.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import { type Clock, RealClock, type Timer } from "../util/clock.ts";
import type { Logger } from "../util/log.ts";
import { formatAddress } from "../util/addr.ts";
import type { DatagramSource, MulticastOpener, MulticastSocket } from "../platform/multicast.ts";
import type { Platform } from "../platform/platform.ts";
import type { Agent } from "./agent.ts";
import type { AgentConfig } from "./config.ts";
import {
  decodeDnsMessage,
  DNS_CLASS_IN,
  DNS_CLASS_TOP_BIT,
  DNS_TYPE,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
  emptyDnsMessage,
  encodeDnsMessage,
} from "./mdns_packet.ts";

/** The IPv4 mDNS group and port (RFC 6762). */
export const MDNS_GROUP_V4: DatagramSource = { address: "224.0.0.251", port: 5353 };
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

/** Options for {@linkcode MdnsDiscovery.start}. */
export interface MdnsDiscoveryOptions {
  /** What to advertise; its service name is also what the querier asks for. */
  service: MdnsService;
  /** Our own gossip address as `host:port`; never joined. */
  self: string;
  /** Joins a batch of `host:port` addresses; resolves with how many were contacted. */
  join(addresses: string[]): Promise<number>;
  open: MulticastOpener;
  /** The `agent.mdns` logger. */
  logger: Logger;
  /** IPv4 address of the `-iface` interface; the kernel's choice when absent. */
  interfaceAddress?: string;
  /** @default new RealClock() */
  clock?: Clock;
  /** Serf's mdnsPollInterval. @default 60_000 */
  pollIntervalMs?: number;
  /** hashicorp/mdns's default query timeout. @default 1_000 */
  queryTimeoutMs?: number;
  /** Serf's mdnsQuietInterval: joins wait this long after the last new host, to batch them. @default 100 */
  quietIntervalMs?: number;
  /** Where the group lives; tests may point it elsewhere. @default MDNS_GROUP_V4 */
  group?: DatagramSource;
}

/**
 * A running responder plus periodic querier. Hosts are joined at most once
 * (successful or not), like Serf's `seen` set; close it to stop both.
 */
export class MdnsDiscovery {
  #o: Required<Omit<MdnsDiscoveryOptions, "interfaceAddress">> & { interfaceAddress?: string };
  #responder!: MulticastSocket;
  #seen = new Set<string>();
  #pending: string[] = [];
  #quiet?: Timer;
  #poll?: Timer;
  #collector?: ServiceEntryCollector;
  #querySocket?: MulticastSocket;
  #closed = false;
  #tasks = new Set<Promise<unknown>>();

  private constructor(options: MdnsDiscoveryOptions) {
    this.#o = {
      clock: new RealClock(),
      pollIntervalMs: 60_000,
      queryTimeoutMs: 1_000,
      quietIntervalMs: 100,
      group: MDNS_GROUP_V4,
      ...options,
    };
  }

  /**
   * Binds the responder on the mDNS port and starts polling at once.
   * @throws {Error} `No multicast listeners could be started` (Serf's wording) when the bind or join fails
   */
  static async start(options: MdnsDiscoveryOptions): Promise<MdnsDiscovery> {
    const d = new MdnsDiscovery(options);
    try {
      d.#responder = await options.open({
        family: "udp4",
        port: d.#o.group.port,
        group: d.#o.group.address,
        interfaceAddress: options.interfaceAddress,
        reuseAddr: true,
        onMessage: (data, from) => d.#onResponderPacket(data, from),
        onError: (err) => d.#o.logger.debug(`Socket error: ${errorMessage(err)}`),
      });
    } catch (err) {
      throw new Error(`No multicast listeners could be started`, { cause: err });
    }
    d.#schedulePoll(0);
    return d;
  }

  /** Stops polling and answering; waits for an in-flight query and join. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#poll?.cancel();
    this.#quiet?.cancel();
    await this.#querySocket?.close();
    await this.#responder.close();
    await Promise.allSettled([...this.#tasks]);
  }

  #track(p: Promise<unknown>) {
    this.#tasks.add(p);
    p.finally(() => this.#tasks.delete(p));
  }

  #onResponderPacket(data: Uint8Array, from: DatagramSource) {
    let msg: DnsMessage;
    try {
      msg = decodeDnsMessage(data);
    } catch (err) {
      this.#o.logger.debug(
        `Failed to unpack packet from ${formatAddress({ host: from.address, port: from.port })}: ${
          errorMessage(err)
        }`,
      );
      return;
    }
    // Responses multicast by other stacks reach us here rather than on the query socket.
    if (msg.response) return this.#onResponse(msg);
    for (const reply of answerQuery(this.#o.service, msg)) {
      // Like hashicorp/mdns, reply straight to the asker's address and port.
      this.#track(
        this.#responder.send(encodeDnsMessage(reply), from).catch((err) =>
          this.#o.logger.debug(`Error sending response: ${errorMessage(err)}`)
        ),
      );
    }
  }

  #schedulePoll(ms: number) {
    if (this.#closed) return;
    this.#poll = this.#o.clock.setTimer(ms, () => {
      this.#schedulePoll(this.#o.pollIntervalMs);
      this.#track(
        this.#query().catch((err) => {
          this.#o.logger.error(`Failed to poll for new hosts: ${errorMessage(err)}`);
        }),
      );
    });
  }

  /** One query round: ask for the service, gather answers until the timeout. */
  async #query() {
    if (this.#closed || this.#collector) return;
    const collector = new ServiceEntryCollector();
    const sock = await this.#o.open({
      family: "udp4",
      port: 0,
      interfaceAddress: this.#o.interfaceAddress,
      onMessage: (data) => {
        try {
          this.#onResponse(decodeDnsMessage(data));
        } catch { /* not a DNS message: ignore, as hashicorp/mdns does */ }
      },
    });
    this.#collector = collector;
    this.#querySocket = sock;
    try {
      await this.#ask(this.#o.service.serviceName);
      await this.#o.clock.sleep(this.#o.queryTimeoutMs);
    } finally {
      this.#collector = undefined;
      this.#querySocket = undefined;
      await sock.close();
    }
  }

  async #ask(name: string) {
    const q: DnsMessage = {
      ...emptyDnsMessage(),
      id: Math.floor(Math.random() * 0x10000),
      questions: [{ name, type: DNS_TYPE.PTR, class: DNS_CLASS_IN }],
    };
    await this.#querySocket?.send(encodeDnsMessage(q), this.#o.group);
  }

  #onResponse(msg: DnsMessage) {
    if (!this.#collector || this.#closed) return;
    const { complete, incomplete } = this.#collector.add(msg);
    for (const name of incomplete) {
      this.#track(
        this.#ask(name).catch((err) => {
          this.#o.logger.debug(`Failed to query instance ${name}: ${errorMessage(err)}`);
        }),
      );
    }
    for (const e of complete) {
      const host = e.addrV4 ?? e.addrV6!;
      this.#found(formatAddress({ host, port: e.port }));
    }
  }

  #found(addr: string) {
    if (addr === this.#o.self || this.#seen.has(addr) || this.#pending.includes(addr)) return;
    this.#pending.push(addr);
    this.#quiet?.cancel();
    this.#quiet = this.#o.clock.setTimer(this.#o.quietIntervalMs, () => this.#track(this.#joinPending()));
  }

  async #joinPending() {
    const batch = this.#pending;
    this.#pending = [];
    if (this.#closed || batch.length === 0) return;
    try {
      const n = await this.#o.join(batch);
      if (n > 0) this.#o.logger.info(`Joined ${n} hosts`);
    } catch (err) {
      this.#o.logger.error(`Failed to join: ${errorMessage(err)}`);
    }
    for (const a of batch) this.#seen.add(a);
  }
}

/**
 * Starts discovery for a started agent as Serf's agent command does: the
 * service carries the node name and memberlist's advertise address and port,
 * found hosts are joined with `replay_on_join`, and `-iface` picks the
 * multicast interface.
 * @throws {Error} when `-iface` has no IPv4 address or no listener could be started
 */
export function startAgentMdns(
  agent: Agent,
  config: AgentConfig,
  deps: { platform: Platform; open: MulticastOpener },
): Promise<MdnsDiscovery> {
  const adv = agent.serf.memberlist.advertiseAddress;
  const host = adv.host;
  let interfaceAddress: string | undefined;
  if (config.interface) {
    interfaceAddress = deps.platform.networkInterfaces()
      .find((a) => a.name === config.interface && a.family === "IPv4")?.address;
    if (!interfaceAddress) throw new Error(`Interface '${config.interface}' has no IPv4 address for mDNS`);
  }
  return MdnsDiscovery.start({
    service: serfMdnsService({
      cluster: config.discover,
      nodeName: config.nodeName,
      hostName: deps.platform.hostname(),
      port: adv.port,
      addresses: [host],
    }),
    self: formatAddress({ host, port: adv.port }),
    join: (addrs) => agent.join(addrs, config.replayOnJoin),
    open: deps.open,
    logger: agent.logger.child("agent.mdns"),
    interfaceAddress,
  });
}
