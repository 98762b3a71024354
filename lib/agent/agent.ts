/**
 * The Serf agent: one Serf node plus what `serf agent` adds around it — event
 * handler scripts, a tags file, a keyring file, a log ring that `monitor`
 * clients can follow, an event fan-out that `stream` clients can follow, and
 * the operations the RPC server exposes ({@linkcode RpcAgent}).
 *
 * Runtime-neutral: files, processes and host facts come from the injected
 * {@linkcode Platform}; the socket transport is injected or picked for the
 * runtime at start.
 *
 * @module
 */
import { pickAdvertiseIp } from "./advertise.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { Logger } from "../util/log.ts";
import { type Metrics, NO_METRICS } from "../util/metrics.ts";
import type { Platform } from "../platform/platform.ts";
import type { Transport } from "../transport/transport.ts";
import type { Keyring } from "../memberlist/keyring.ts";
import { loadKeyringFile } from "../serf/keyring_file.ts";
import type { QueryParam, QueryResponse } from "../serf/query_response.ts";
import type { Serf } from "../serf/serf.ts";
import type { Coordinate, Member } from "../serf/types.ts";
import type { AgentConfig } from "./config.ts";
import { describeEvent, parseEventHandlers } from "./event_handler.ts";
import { ScriptEventHandler } from "./handler_lanes.ts";
import { invokeEventScript } from "./invoke.ts";
import { LogWriter } from "./log_writer.ts";
import {
  addrParts,
  agentSerfSettings,
  encryptKeyBytes,
  type HostPort,
  resolveBindAddress,
  resolveJoinAddress,
} from "./serf_options.ts";
import { startAgentSerf } from "./start_serf.ts";
import { loadTagsFile, writeTagsFile } from "./tags_file.ts";
import { goArgs, runtimeStats } from "./agent_support.ts";
import { goQuote } from "../util/go_quote.ts";
import type { AgentKeyResult, EventSubscriber, RpcAgent } from "../rpc/agent_api.ts";

export type { AgentRpcServer, RpcServerFactory } from "./rpc_host.ts";

/** Options for {@linkcode Agent.create}. */
export interface AgentOptions {
  /** The effective config (see `resolveAgentConfig`). */
  config: AgentConfig;
  platform: Platform;
  /** Where log lines go; the CLI subscribes the console to it before the agent starts. @default new LogWriter() */
  logs?: LogWriter;
  /** Gossip transport; @default a socket transport listening on the bind address */
  transport?: Transport;
  /** @default RealClock */
  clock?: Clock;
  /** Bound on a non-query handler run; query handlers are bound by the query deadline. @default 600000 */
  handlerTimeoutMs?: number;
  /** How long shutdown lets queued handlers finish before killing them. @default 3000 */
  handlerDrainMs?: number;
  /**
   * Where the agent, Serf and memberlist report metrics (see `agent_metrics.ts`
   * for the sinks `statsd_addr` and `statsite_addr` set up). @default NO_METRICS
   */
  metrics?: Metrics;
  /** Operator-facing notices (`Using interface 'eth0' address ...`). @default logged at INFO */
  notice?: (text: string) => void;
}

/** A Serf agent. Create with {@linkcode Agent.create}, then {@linkcode Agent.start}. */
export class Agent implements RpcAgent {
  readonly logs: LogWriter;
  readonly platform: Platform;
  readonly clock: Clock;
  /** The `agent` logger; `logger` is the root every subsystem shares. */
  readonly log: Logger;
  readonly logger: Logger;
  /** Where metrics go; Serf and memberlist share it. */
  readonly metrics: Metrics;
  readonly bind: HostPort;
  readonly advertise: HostPort | undefined;
  #config: AgentConfig;
  #options: AgentOptions;
  #tags: Record<string, string>;
  #keyring: Keyring | undefined;
  #keyBytes: Uint8Array | undefined;
  #serf: Serf | undefined;
  #handler: ScriptEventHandler;
  #eventSubscribers = new Set<EventSubscriber>();
  #eventLoop: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  #done = Promise.withResolvers<void>();

  private constructor(options: AgentOptions, bind: HostPort, advertise: HostPort | undefined) {
    this.#options = options;
    this.#config = { ...options.config, tags: { ...options.config.tags } };
    this.platform = options.platform;
    this.clock = options.clock ?? new RealClock();
    this.logs = options.logs ?? new LogWriter();
    this.logger = new Logger({ level: "TRACE", sink: (line) => this.logs.write(line) });
    this.log = this.logger.child("agent");
    this.metrics = options.metrics ?? NO_METRICS;
    this.bind = bind;
    this.advertise = advertise;
    this.#tags = { ...this.#config.tags };
    this.#handler = new ScriptEventHandler({
      scripts: parseEventHandlers(this.#config.eventHandlers),
      self: () => this.serf.localMember(),
      logger: this.log,
      invoke: async (script, self, event, signal) => {
        const started = this.metrics.start();
        try {
          await invokeEventScript(script, self, event, {
            platform: this.platform,
            logger: this.log,
            timeoutMs: options.handlerTimeoutMs ?? 600_000,
            now: () => this.clock.now(),
            setTimer: (ms, fn) => this.clock.setTimer(ms, fn),
            signal,
          });
        } finally {
          this.metrics.measureSince(["agent", "invoke", script], started);
        }
      },
    });
  }

  /**
   * Prepares an agent without touching the network (Serf's agent Create):
   * resolves addresses, restores tags from the tags file and keys from the
   * keyring file.
   * @throws {Error} Serf's messages, e.g. `Tags config not allowed while using tag files`,
   * `Encryption key not allowed while using a keyring`, `Invalid bind address: ...`
   */
  static async create(options: AgentOptions): Promise<Agent> {
    const c = options.config;
    const notices: string[] = [];
    const bind = await resolveBindAddress(c, options.platform, (t) => notices.push(t));
    let advertise: HostPort | undefined;
    if (c.advertiseAddr) {
      try {
        advertise = await addrParts(c.advertiseAddr, options.platform.lookupHost);
      } catch (err) {
        throw new Error(`Invalid advertise address: ${errorMessage(err)}`);
      }
    } else if (bind.host === "0.0.0.0" || bind.host === "::") {
      const { ip, fallback } = pickAdvertiseIp(options.platform.networkInterfaces());
      if (fallback) {
        notices.push(
          "No private IP address found to advertise; using 127.0.0.1 (set -advertise to reach other hosts)",
        );
      }
      advertise = { host: ip, port: bind.port };
    }
    const keyBytes = encryptKeyBytes(c);
    const agent = new Agent(options, bind, advertise);
    agent.#keyBytes = keyBytes;
    try {
      await agent.#restoreFiles();
    } catch (err) {
      agent.#handler.abandon(); // nothing will ever be queued
      throw err;
    }
    for (const t of notices) (options.notice ?? ((text) => agent.log.info(text)))(t);
    return agent;
  }

  /** Tags from the tags file, keys from the keyring file (Serf's order and checks). */
  async #restoreFiles(): Promise<void> {
    const c = this.#config;
    if (c.tagsFile) {
      if (Object.keys(c.tags).length > 0) throw new Error("Tags config not allowed while using tag files");
      const restored = await loadTagsFile(c.tagsFile, this.platform);
      if (restored) {
        this.#tags = restored;
        this.log.info(`Restored ${Object.keys(restored).length} tag(s) from ${c.tagsFile}`);
      }
    }
    if (c.keyringFile) {
      if (c.encryptKey) throw new Error("Encryption key not allowed while using a keyring");
      this.#keyring = loadKeyringFile(c.keyringFile);
      this.log.info(`Restored keyring with ${this.#keyring.getKeys().length} keys from ${c.keyringFile}`);
    }
  }

  /**
   * Starts Serf and the event loop (Serf's agent Start).
   * @throws {Error} `Error creating Serf: ...`
   */
  async start(): Promise<void> {
    this.log.info("Serf agent starting");
    const settings = agentSerfSettings({ ...this.#config, tags: this.#tags }, this.bind, this.advertise);
    this.#serf = await startAgentSerf(settings, {
      bind: this.bind,
      keyring: this.#keyring,
      keyBytes: this.#keyBytes,
      transport: this.#options.transport,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.#eventLoop = this.#runEvents(this.#serf);
  }

  async #runEvents(serf: Serf): Promise<void> {
    for await (const event of serf.events) {
      this.log.info(`Received event: ${describeEvent(event)}`);
      for (const fn of this.#eventSubscribers) {
        try {
          fn(event);
        } catch (err) {
          this.log.error(`Event subscriber failed: ${errorMessage(err)}`);
        }
      }
      this.#handler.handleEvent(event);
    }
    if (!this.#shutdown) {
      this.log.warn("Serf shutdown detected, quitting");
      void this.shutdown();
    }
  }

  /** The running Serf node. @throws {Error} before {@linkcode Agent.start} */
  get serf(): Serf {
    if (!this.#serf) throw new Error("Cannot use the agent: it has not been started");
    return this.#serf;
  }

  /** The agent's current config (updated by {@linkcode Agent.reload}). */
  get config(): AgentConfig {
    return this.#config;
  }

  /** Resolves once the agent has shut down (by request, or because Serf stopped). */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Every known member, in any status. */
  members(): Member[] {
    return this.serf.allMembers();
  }

  /**
   * Joins through any of `addresses` (host names are resolved); with
   * `replay`, user events from before the join are delivered too.
   * @returns how many nodes were contacted
   * @throws {Error} when no address could be joined
   */
  async join(addresses: string[], replay: boolean): Promise<number> {
    this.log.info(`joining: ${goArgs(addresses)} replay: ${replay}`);
    try {
      const resolved = await Promise.all(
        addresses.map((a) => resolveJoinAddress(a, this.platform.lookupHost)),
      );
      const n = await this.serf.join(resolved, !replay);
      if (n > 0) this.log.info(`joined: ${n} nodes`);
      return n;
    } catch (err) {
      this.log.warn(`error joining: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Leaves the cluster gracefully (call {@linkcode Agent.shutdown} afterwards). */
  async leave(): Promise<void> {
    if (!this.#serf) return;
    this.log.info("requesting graceful leave from Serf");
    await this.#serf.leave();
  }

  /** Marks a failed node as left; with `prune`, forgets it at once. */
  async forceLeave(node: string, prune = false): Promise<void> {
    this.log.info(prune ? `Force leaving node (prune): ${node}` : `Force leaving node: ${node}`);
    try {
      await this.serf.forceLeave(node, prune);
    } catch (err) {
      this.log.warn(`failed to remove node${prune ? " (prune)" : ""}: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Sends a user event. @throws {RangeError} when it exceeds the size limit */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    this.log.debug(
      `Requesting user event send: ${name}. Coalesced: ${coalesce}. Payload: ${goQuote(payload)}`,
    );
    try {
      this.serf.userEvent(name, payload, coalesce);
    } catch (err) {
      this.log.warn(`failed to send user event: ${errorMessage(err)}`);
      throw err;
    }
  }

  /**
   * Starts a query. Names starting with `_serf_` are Serf's own, except a
   * `_serf_ping` without payload.
   * @throws {Error} `Queries cannot contain the '_serf_' prefix`, or the query is too large
   */
  query(name: string, payload: Uint8Array, params: QueryParam = {}): QueryResponse {
    if (name.startsWith("_serf_") && (name !== "_serf_ping" || payload.length > 0)) {
      throw new Error("Queries cannot contain the '_serf_' prefix");
    }
    this.log.debug(`Requesting query send: ${name}. Payload: ${goQuote(payload)}`);
    try {
      return this.serf.query(name, payload, params);
    } catch (err) {
      this.log.warn(`failed to start user query: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Adds or changes `tags` and removes `deleteKeys` (the RPC `tags` command). */
  async setTags(tags: Record<string, string>, deleteKeys: string[] = []): Promise<void> {
    // Serf deletes first and then sets, so a key both deleted and set ends up set.
    const next = { ...this.serf.localMember().tags };
    for (const key of deleteKeys) delete next[key];
    Object.assign(next, tags);
    await this.replaceTags(next);
  }

  /** Replaces all tags, persisting them to the tags file first when one is configured. */
  async replaceTags(tags: Record<string, string>): Promise<void> {
    if (this.#config.tagsFile) {
      try {
        await writeTagsFile(this.#config.tagsFile, tags, this.platform);
      } catch (err) {
        this.log.error(errorMessage(err));
        throw err;
      }
    }
    this.#tags = { ...tags };
    await this.serf.setTags(tags);
  }

  /** Installs a key on every member (`serf keys -install`); the other key operations work alike. */
  installKey(key: string): Promise<AgentKeyResult> {
    this.log.info("Initiating key installation");
    return this.serf.keyOperation("install-key", key);
  }
  useKey(key: string): Promise<AgentKeyResult> {
    this.log.info("Initiating primary key change");
    return this.serf.keyOperation("use-key", key);
  }
  removeKey(key: string): Promise<AgentKeyResult> {
    this.log.info("Initiating key removal");
    return this.serf.keyOperation("remove-key", key);
  }
  listKeys(): Promise<AgentKeyResult> {
    this.log.info("Initiating key listing");
    return this.serf.keyOperation("list-keys");
  }

  /** Serf's `info` sections: agent, runtime, serf, tags, event_handlers. */
  stats(): Record<string, Record<string, string>> {
    const local = this.serf.localMember();
    const handlers: Record<string, string> = {};
    for (const s of parseEventHandlers(this.#config.eventHandlers)) {
      handlers[`${s.event}:${s.name}`] = s.script;
    }
    return {
      agent: { name: local.name },
      runtime: runtimeStats(this.platform, 1 + this.#eventSubscribers.size),
      serf: this.serf.statsMap(),
      tags: { ...local.tags },
      event_handlers: handlers,
    };
  }

  /** The last coordinate heard from `node` (ourselves included). */
  getCoordinate(node: string): Coordinate | undefined {
    return this.serf.getCachedCoordinate(node);
  }

  /**
   * Follows the log at `level` or above, starting with recent lines.
   * @throws {RangeError} for an unknown level
   */
  subscribeLogs(level: string, fn: (line: string) => void): () => void {
    const up = level.toUpperCase();
    if (!["TRACE", "DEBUG", "INFO", "WARN", "ERR"].includes(up)) {
      throw new RangeError(`Invalid log level: ${up}. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`);
    }
    return this.logs.subscribe(up as "INFO", fn);
  }

  /** Receives every event the agent receives, before its handler scripts run. */
  subscribeEvents(fn: EventSubscriber): () => void {
    this.#eventSubscribers.add(fn);
    return () => void this.#eventSubscribers.delete(fn);
  }

  /**
   * Applies a reloaded config (SIGHUP): event handlers from the next event on,
   * tags replaced. With a tags file, tags stay as the file has them (Serf
   * would overwrite the file with the config's, necessarily empty, tags).
   * @throws {Error} `Failed to update tags: ...`; the handlers are updated regardless
   */
  async reload(config: AgentConfig): Promise<void> {
    this.#handler.updateScripts(parseEventHandlers(config.eventHandlers));
    const tagsFile = this.#config.tagsFile;
    this.#config = { ...config, tags: { ...config.tags }, tagsFile };
    if (tagsFile) return;
    try {
      await this.replaceTags(config.tags);
    } catch (err) {
      throw new Error(`Failed to update tags: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * Stops Serf, lets queued handlers finish for a short while, then kills
   * any still running. Safe to call more than once.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#doShutdown();
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    if (this.#serf) {
      this.log.info("requesting serf shutdown");
      await this.#serf.shutdown().catch((err) => this.log.error(errorMessage(err)));
      await this.#eventLoop;
    }
    const drained = this.#handler.close();
    const timer = this.clock.setTimer(this.#options.handlerDrainMs ?? 3_000, () => this.#handler.abandon());
    await drained;
    timer.cancel();
    this.#eventSubscribers.clear();
    this.log.info("shutdown complete");
    this.#done.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
