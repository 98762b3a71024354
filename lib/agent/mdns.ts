/**
 * Serf's mDNS discovery (`serf agent -discover=<cluster>`): a responder that
 * advertises this agent as the DNS-SD service `_serf_<cluster>._tcp.local.`
 * (instance = node name, SRV port = gossip port, A/AAAA = advertise address)
 * and a querier that asks for that service every minute and joins every
 * agent that answers. The record set, TTLs and timings follow
 * hashicorp/mdns as Serf uses it, so real `serf` agents and serfts agents
 * find each other.
 *
 * Both run over IPv4 (224.0.0.251) and IPv6 (ff02::fb), port 5353, as
 * hashicorp/mdns does: the responder needs one family's group to start, and
 * Serf 0.10's `disable_ipv4`/`disable_ipv6` only take a family out of the
 * queries.
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
  DNS_TYPE,
  type DnsMessage,
  emptyDnsMessage,
  encodeDnsMessage,
} from "./mdns_packet.ts";
import { answerQuery, type MdnsService, serfMdnsService, ServiceEntryCollector } from "./mdns_zone.ts";

/** The IPv4 mDNS group and port (RFC 6762). */
export const MDNS_GROUP_V4: DatagramSource = { address: "224.0.0.251", port: 5353 };
/** The link-local IPv6 mDNS group and port (RFC 6762). */
export const MDNS_GROUP_V6: DatagramSource = { address: "ff02::fb", port: 5353 };

/** The two address families mDNS runs over, in the order hashicorp/mdns opens them. */
export type MdnsFamily = "udp4" | "udp6";
const FAMILIES: readonly MdnsFamily[] = ["udp4", "udp6"];
const FAMILY_NAME: Record<MdnsFamily, string> = { udp4: "IPv4", udp6: "IPv6" };

/** The interface mDNS is pinned to (`-mdns-iface`, else `-iface`). */
export interface MdnsInterface {
  name: string;
  /** Its IPv4 address; without one, the IPv4 side cannot start on it. */
  ipv4?: string;
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
  /** The interface to multicast on; the kernel's choice when absent. */
  interface?: MdnsInterface;
  /** Leave IPv4 out of the queries (Serf 0.10's `disable_ipv4`); the responder still answers on it. @default false */
  disableIpv4?: boolean;
  /** Leave IPv6 out of the queries (Serf 0.10's `disable_ipv6`); the responder still answers on it. @default false */
  disableIpv6?: boolean;
  /** @default new RealClock() */
  clock?: Clock;
  /** Serf's mdnsPollInterval. @default 60_000 */
  pollIntervalMs?: number;
  /** hashicorp/mdns's default query timeout. @default 1_000 */
  queryTimeoutMs?: number;
  /** Serf's mdnsQuietInterval: joins wait this long after the last new host, to batch them. @default 100 */
  quietIntervalMs?: number;
  /** Where each family's group lives; tests may point them elsewhere. @default {udp4: MDNS_GROUP_V4, udp6: MDNS_GROUP_V6} */
  groups?: Record<MdnsFamily, DatagramSource>;
}

/**
 * A running responder plus periodic querier. Hosts are joined at most once
 * (successful or not), like Serf's `seen` set; close it to stop both.
 */
export class MdnsDiscovery {
  #o: Required<Omit<MdnsDiscoveryOptions, "interface">> & { interface?: MdnsInterface };
  #responders = new Map<MdnsFamily, MulticastSocket>();
  #seen = new Set<string>();
  #pending: string[] = [];
  #quiet?: Timer;
  #poll?: Timer;
  #collector?: ServiceEntryCollector;
  #querySockets: { family: MdnsFamily; sock: MulticastSocket }[] = [];
  #closed = false;
  #tasks = new Set<Promise<unknown>>();

  private constructor(options: MdnsDiscoveryOptions) {
    this.#o = {
      clock: new RealClock(),
      pollIntervalMs: 60_000,
      queryTimeoutMs: 1_000,
      quietIntervalMs: 100,
      disableIpv4: false,
      disableIpv6: false,
      groups: { udp4: MDNS_GROUP_V4, udp6: MDNS_GROUP_V6 },
      ...options,
    };
  }

  /**
   * Binds a responder on the mDNS port for each family and starts polling at
   * once. A family whose group cannot be joined (no IPv6 on the host, an
   * interface without an IPv4 address) is logged and left out.
   * @throws {Error} `No multicast listeners could be started` (Serf's wording) when neither family starts
   */
  static async start(options: MdnsDiscoveryOptions): Promise<MdnsDiscovery> {
    const d = new MdnsDiscovery(options);
    const failures: unknown[] = [];
    for (const family of FAMILIES) {
      try {
        d.#responders.set(family, await d.#openResponder(family));
      } catch (err) {
        failures.push(err);
        const text = `Cannot join the ${FAMILY_NAME[family]} mDNS group ${d.#o.groups[family].address}: ${
          errorMessage(err)
        }`;
        // A family the queries leave out is expected to be missing.
        if (d.#queries(family)) d.#o.logger.warn(text);
        else d.#o.logger.debug(text);
      }
    }
    if (d.#responders.size === 0) {
      throw new Error(`No multicast listeners could be started`, { cause: failures[0] });
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
    await Promise.all(this.#querySockets.map((q) => q.sock.close()));
    await Promise.all([...this.#responders.values()].map((r) => r.close()));
    await Promise.allSettled([...this.#tasks]);
  }

  /** The families whose group this node joined. */
  get families(): MdnsFamily[] {
    return [...this.#responders.keys()];
  }

  #queries(family: MdnsFamily): boolean {
    return family === "udp4" ? !this.#o.disableIpv4 : !this.#o.disableIpv6;
  }

  #socketInterface(family: MdnsFamily): { interfaceAddress?: string; interfaceName?: string } {
    const iface = this.#o.interface;
    if (!iface) return {};
    if (family === "udp6") return { interfaceName: iface.name };
    if (!iface.ipv4) throw new Error(`interface ${iface.name} has no IPv4 address`);
    return { interfaceAddress: iface.ipv4 };
  }

  #openResponder(family: MdnsFamily): Promise<MulticastSocket> {
    const group = this.#o.groups[family];
    return this.#o.open({
      family,
      port: group.port,
      group: group.address,
      ...this.#socketInterface(family),
      reuseAddr: true,
      onMessage: (data, from) => this.#onResponderPacket(family, data, from),
      onError: (err) => this.#o.logger.debug(`Socket error: ${errorMessage(err)}`),
    });
  }

  #track(p: Promise<unknown>) {
    this.#tasks.add(p);
    p.finally(() => this.#tasks.delete(p));
  }

  #onResponderPacket(family: MdnsFamily, data: Uint8Array, from: DatagramSource) {
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
    if (msg.response) {
      if (this.#queries(family)) this.#onResponse(msg);
      return;
    }
    const responder = this.#responders.get(family);
    if (!responder) return;
    const to = this.#replyTarget(family, from);
    for (const reply of answerQuery(this.#o.service, msg)) {
      this.#track(
        responder.send(encodeDnsMessage(reply), to).catch((err) =>
          this.#o.logger.debug(`Error sending response: ${errorMessage(err)}`)
        ),
      );
    }
  }

  /**
   * Like hashicorp/mdns, reply straight to the asker's address and port. An
   * IPv6 asker speaks from a link-local address, which needs its interface
   * to be reachable; when the runtime does not say which (Deno), the reply
   * goes to the group instead, where every querier's listener hears it.
   */
  #replyTarget(family: MdnsFamily, from: DatagramSource): DatagramSource {
    if (family !== "udp6" || !/^fe[89ab]/i.test(from.address) || from.address.includes("%")) return from;
    const name = this.#o.interface?.name;
    return name ? { address: `${from.address}%${name}`, port: from.port } : this.#o.groups.udp6;
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

  /**
   * One query round: ask for the service over every family the queries use,
   * gather answers until the timeout. The checks and their wording follow
   * hashicorp/mdns's client.
   */
  async #query() {
    if (this.#closed || this.#collector) return;
    const wanted = FAMILIES.filter((f) => this.#queries(f));
    if (wanted.length === 0) throw new Error("Must enable at least one of IPv4 and IPv6 querying");
    // Multicast answers arrive on the family's responder: a family without one is left out
    // (the warning at start said why, so this stays at DEBUG).
    const listening = wanted.filter((f) => this.#responders.has(f));
    for (const f of wanted) {
      if (!listening.includes(f)) {
        this.#o.logger.debug(`Failed to listen to both unicast and multicast on ${FAMILY_NAME[f]}`);
      }
    }
    if (listening.length === 0) throw new Error("at least one of IPv4 and IPv6 must be enabled for querying");
    const usable: { family: MdnsFamily; sock: MulticastSocket }[] = [];
    for (const family of listening) {
      try {
        const sock = await this.#o.open({
          family,
          port: 0,
          ...this.#socketInterface(family),
          onMessage: (data) => {
            try {
              this.#onResponse(decodeDnsMessage(data));
            } catch { /* not a DNS message: ignore, as hashicorp/mdns does */ }
          },
        });
        usable.push({ family, sock });
      } catch (err) {
        this.#o.logger.error(`Failed to bind to ${family} port: ${errorMessage(err)}`);
      }
    }
    if (usable.length === 0) throw new Error("failed to bind to any unicast udp port");
    if (this.#closed) {
      await Promise.all(usable.map((q) => q.sock.close()));
      return;
    }
    this.#collector = new ServiceEntryCollector();
    this.#querySockets = usable;
    try {
      await this.#ask(this.#o.service.serviceName);
      await this.#o.clock.sleep(this.#o.queryTimeoutMs);
    } finally {
      this.#collector = undefined;
      this.#querySockets = [];
      await Promise.all(usable.map((q) => q.sock.close()));
    }
  }

  /** Sends one question to each family's group; fails only when no family could send it. */
  async #ask(name: string) {
    const q: DnsMessage = {
      ...emptyDnsMessage(),
      id: Math.floor(Math.random() * 0x10000),
      questions: [{ name, type: DNS_TYPE.PTR, class: DNS_CLASS_IN }],
    };
    const data = encodeDnsMessage(q);
    const sockets = this.#querySockets;
    const sent = await Promise.allSettled(sockets.map((s) => s.sock.send(data, this.#o.groups[s.family])));
    const failed = sent.flatMap((r, i) =>
      r.status === "rejected" ? [{ family: sockets[i]!.family, err: r.reason }] : []
    );
    if (failed.length > 0 && failed.length === sent.length) throw failed[0]!.err;
    for (const f of failed) {
      this.#o.logger.debug(`Failed to send query over ${FAMILY_NAME[f.family]}: ${errorMessage(f.err)}`);
    }
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
 * found hosts are joined with `replay_on_join`, `-mdns-iface` (else `-iface`)
 * picks the multicast interface, and `-mdns-disable-ipv4`/`-ipv6` trim the
 * queries.
 * @throws {Error} when no listener could be started
 */
export function startAgentMdns(
  agent: Agent,
  config: AgentConfig,
  deps: { platform: Platform; open: MulticastOpener },
): Promise<MdnsDiscovery> {
  const adv = agent.serf.memberlist.advertiseAddress;
  const host = adv.host;
  const name = config.mdnsInterface || config.interface;
  let iface: MdnsInterface | undefined;
  if (name) {
    const ipv4 = deps.platform.networkInterfaces().find((a) => a.name === name && a.family === "IPv4")
      ?.address;
    iface = { name, ipv4 };
    agent.log.info(`Starting mDNS listener on interface ${name}`);
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
    interface: iface,
    disableIpv4: config.mdnsDisableIpv4,
    disableIpv6: config.mdnsDisableIpv6,
  });
}
