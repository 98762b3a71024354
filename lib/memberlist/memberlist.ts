/**
 * A memberlist node: cluster membership and failure detection over gossip,
 * wire-compatible with hashicorp/memberlist. Create one with
 * {@linkcode Memberlist.create}, join peers, read `members()`, and leave or
 * shut down when done. The class is a thin face: the protocol state lives in
 * an {@linkcode Engine} that only lib/memberlist's modules see.
 *
 * @module
 */
import { bytesToIp, isIpLiteral, parseAddress } from "../util/addr.ts";
import type { Address } from "../util/addr.ts";
import { errorMessage, ShutdownError } from "../util/errors.ts";
import { hostName } from "../platform/host_name.ts";
import { MultiError } from "../util/multi_error.ts";
import type { Transport } from "../transport/transport.ts";
import { defaultLanConfig, type MemberlistConfig, validateConfig } from "./config.ts";
import { Engine, type EngineStats, type ResolvedConfig } from "./engine.ts";
import { ingestPacket } from "./inbound.ts";
import { startLoops } from "./loops.ts";
import { isDeadOrLeft, type Node, nodeAddress, snapshotNode } from "./node.ts";
import { encryptionEnabled, sendRawPacket } from "./outbound.ts";
import { aliveNode, deadNode } from "./state_machine.ts";
import { handleStream, pushPullNode, sendUserStream } from "./stream.ts";
import { sendUserMessageOverTcp } from "./tcp_only.ts";
import { makeUserMessage } from "./wire.ts";

/**
 * Options for {@linkcode Memberlist.create}: any config field, plus the required transport.
 * Fields left out take {@linkcode defaultLanConfig}'s values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 * import type { MemberlistOptions } from "./memberlist.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const options: MemberlistOptions = { name: "a", bindAddr: "127.0.0.1", transport, clock };
 * const node = Memberlist.create(options);
 * assert.equal(node.name, "a");
 * assert.equal(node.numMembers(), 1);
 * await node.shutdown();
 * ```
 */
export type MemberlistOptions = Partial<MemberlistConfig> & { transport: Transport };

/** Largest user message sent over UDP (a datagram's payload less our framing). */
const MAX_PACKET_USER_MSG = 65_000;

/** The engines behind the faces, for lib/memberlist's own modules and tests. */
const engines = new WeakMap<Memberlist, Engine>();

/**
 * The engine behind `m`. Not part of the public API (mod.ts does not export
 * it): tests and the Serf layer's diagnostics reach protocol state through it.
 */
export function engineOf(m: Memberlist): Engine {
  return engines.get(m)!;
}

/**
 * One member of a gossip cluster.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLocalConfig, Memberlist, MemoryNetwork, SeededRandom, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const start = (name: string, port: number) =>
 *   Memberlist.create({
 *     ...defaultLocalConfig(),
 *     name,
 *     bindAddr: "127.0.0.1",
 *     bindPort: port,
 *     transport: network.listen({ host: "127.0.0.1", port }),
 *     clock,
 *   });
 * const a = start("a", 7946);
 * const b = start("b", 7947);
 * const joined = b.join(["127.0.0.1:7946"]);
 * await clock.advance(1_000);
 * assert.equal(await joined, 1);
 * assert.equal(a.numMembers(), 2);
 * await Promise.all([a.shutdown(), b.shutdown()]);
 * ```
 */
export class Memberlist {
  readonly #engine: Engine;

  private constructor(engine: Engine) {
    this.#engine = engine;
    engines.set(this, engine);
  }

  /**
   * Starts a node: marks itself alive, begins listening, probing and gossiping.
   * @throws {RangeError | TypeError} when the configuration is invalid
   */
  static create(options: MemberlistOptions): Memberlist {
    const config = { ...defaultLanConfig(), ...options } as ResolvedConfig;
    if (!config.name) config.name = hostName();
    validateConfig(config);
    const engine = new Engine(config);
    engine.transport.onPacket((p) => ingestPacket(engine, p));
    engine.transport.onStream((s) => {
      if (engine.hasShutdown()) {
        s.close();
        return;
      }
      engine.track(handleStream(engine, s));
    });
    aliveNode(engine, engine.selfAlive(engine.nextIncarnation()), true);
    for (const loop of startLoops(engine, engine.stopSignal)) engine.track(loop);
    return new Memberlist(engine);
  }

  /** This node's name. */
  get name(): string {
    return this.#engine.config.name;
  }

  /**
   * Joins a cluster through any of `existing` (`host:port`, `host` for the
   * default port, `[v6]:port`, each optionally prefixed `name/`) by exchanging
   * full state with each. Hosts must be IP addresses (or `localhost`): resolve
   * names first.
   * @returns how many peers were contacted successfully
   * @throws {MultiError} when none could be contacted, listing every failure in memberlist's
   * words (`Failed to join 127.0.0.1: dial tcp 127.0.0.1:1: connect: connection refused`)
   */
  async join(existing: string[]): Promise<number> {
    const e = this.#engine;
    if (e.hasShutdown()) throw new ShutdownError();
    let ok = 0;
    const errors: string[] = [];
    for (const text of existing) {
      let addr: Address;
      // An optional `name/` prefix names the node expected there; only the address and the debug log use it here.
      const slash = text.indexOf("/");
      try {
        if (slash === 0) throw new TypeError("empty node name provided");
        addr = parseAddress(text.slice(slash + 1), e.config.bindPort);
        if (addr.host === "localhost") addr = { ...addr, host: "127.0.0.1" };
        // Names are resolved by the caller (the agent does); one that reaches here did not resolve.
        if (!isIpLiteral(addr.host)) throw new TypeError(`lookup ${addr.host}: no such host`);
      } catch (err) {
        errors.push(`Failed to resolve ${text}: ${goParseAddressMessage(text, err)}`);
        continue;
      }
      try {
        await pushPullNode(e, addr, true, slash > 0 ? text.slice(0, slash) : "");
        ok++;
      } catch (err) {
        const msg = `Failed to join ${addr.host}: ${errorMessage(err)}`;
        errors.push(msg);
        e.log.debug(msg);
      }
    }
    // memberlist's wording, relayed verbatim by Serf's RPC `join`: a go-multierror list.
    if (ok === 0 && errors.length > 0) throw new MultiError(errors);
    return ok;
  }

  /** Members that are alive or suspect (not dead or left), including ourselves. */
  members(): Node[] {
    return this.#engine.nodes.all().filter((n) => !isDeadOrLeft(n)).map(snapshotNode);
  }

  /** Every node we know of, in any state, with its incarnation. */
  allNodes(): (Node & { incarnation: number })[] {
    return this.#engine.nodes.all().map((n) => ({ ...snapshotNode(n), incarnation: n.incarnation }));
  }

  /**
   * Tells the gossip loop that the delegate queued a broadcast. Needed only by
   * a delegate that implements `Delegate.pendingBroadcasts`: gossip parks while
   * nothing is queued.
   */
  wakeGossip(): void {
    this.#engine.gossipBell.ring();
  }

  /** How many members are alive or suspect, including ourselves. */
  numMembers(): number {
    return this.#engine.nodes.countAlive();
  }

  /** Our own node as the cluster sees it. */
  localNode(): Node {
    return snapshotNode(this.#engine.nodes.get(this.name)!);
  }

  /** Lifeguard health score: 0 is healthy, higher means our own probes are struggling. */
  get healthScore(): number {
    return this.#engine.awareness.healthScore;
  }

  /** memberlist's own broadcasts (alive, suspect, dead) waiting to be gossiped. */
  get queuedBroadcasts(): number {
    return this.#engine.broadcasts.numQueued();
  }

  /** memberlist protocol version spoken. */
  get protocolVersion(): number {
    return this.#engine.config.protocolVersion;
  }

  /** True when encryption is configured. */
  get encryptionEnabled(): boolean {
    return encryptionEnabled(this.#engine);
  }

  /** A copy of the node's counters (packets, bytes, bad input dropped, TCP fallbacks, push/pulls). */
  get stats(): Readonly<EngineStats> {
    return { ...this.#engine.stats };
  }

  /** Where this node says it can be reached. */
  get advertiseAddress(): Address {
    const { addr, port } = this.#engine.advertise();
    return { host: bytesToIp(addr), port };
  }

  /**
   * Re-reads metadata from the delegate and broadcasts it with a new
   * incarnation, waiting up to `timeoutMs` for the broadcast to go out.
   */
  async updateNode(timeoutMs: number): Promise<void> {
    const e = this.#engine;
    if (e.hasShutdown()) throw new ShutdownError();
    let notified!: () => void;
    const sent = new Promise<void>((r) => (notified = r));
    aliveNode(e, e.selfAlive(e.nextIncarnation()), true, () => notified());
    if (e.anyPeerAlive()) await e.waitOrTimeout(sent, timeoutMs, "timeout waiting for update broadcast");
  }

  /** Sends a user message over UDP, best effort (in TCP-only mode on its own stream, in the background). */
  sendBestEffort(to: Node, msg: Uint8Array): void {
    const e = this.#engine;
    if (e.hasShutdown()) throw new ShutdownError();
    if (msg.length > MAX_PACKET_USER_MSG) {
      throw new RangeError(
        `Cannot send user message over UDP: limit is ${MAX_PACKET_USER_MSG} bytes: current size is ${msg.length}`,
      );
    }
    if (e.config.tcpOnly) sendUserMessageOverTcp(e, nodeAddress(to), msg);
    else sendRawPacket(e, nodeAddress(to), makeUserMessage(msg), e.nodes.get(to.name));
  }

  /** Sends a user message over TCP. */
  async sendReliable(to: Node, msg: Uint8Array): Promise<void> {
    if (this.#engine.hasShutdown()) throw new ShutdownError();
    await sendUserStream(this.#engine, nodeAddress(to), msg);
  }

  /**
   * Sends a raw user message to an address over UDP (used by Serf for query
   * responses); in TCP-only mode on its own stream, in the background.
   */
  sendToAddress(to: Address, msg: Uint8Array): void {
    const e = this.#engine;
    if (e.hasShutdown()) throw new ShutdownError();
    if (e.config.tcpOnly) sendUserMessageOverTcp(e, to, msg);
    else sendRawPacket(e, to, makeUserMessage(msg));
  }

  /**
   * Leaves gracefully: broadcasts our own death (a "left" claim) and waits up to
   * `timeoutMs` for it to be sent. Keeps running until `shutdown`.
   */
  async leave(timeoutMs: number): Promise<void> {
    const e = this.#engine;
    if (e.hasShutdown()) throw new ShutdownError("Cannot leave: node is already shut down");
    if (!e.markLeft()) return;
    const me = e.nodes.get(this.name);
    if (!me) return;
    const done = new Promise<void>((r) => (e.onLeaveBroadcastDone = r));
    deadNode(e, { type: "dead", incarnation: me.incarnation, node: me.name, from: me.name });
    if (e.anyPeerAlive()) await e.waitOrTimeout(done, timeoutMs, "timeout waiting for leave broadcast");
  }

  /** Stops every loop and closes the transport. Safe to call twice. */
  async shutdown(): Promise<void> {
    await this.#engine.shutdown();
  }

  /** Shuts the node down (see {@linkcode Memberlist.shutdown}), so `await using` releases it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/**
 * The reason a join address could not be parsed, in the words Go's
 * `strconv.ParseUint` uses for a bad port; other reasons pass through.
 */
function goParseAddressMessage(text: string, err: unknown): string {
  const message = errorMessage(err);
  if (!message.startsWith("Cannot parse address: port")) return message;
  const port = text.trim().slice(text.trim().lastIndexOf(":") + 1);
  const reason = /^\d+$/.test(port) ? "value out of range" : "invalid syntax";
  return `strconv.ParseUint: parsing ${JSON.stringify(port)}: ${reason}`;
}
