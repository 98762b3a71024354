/**
 * `serfts agent`: runs a Serf agent until a signal stops it, with `serf
 * agent`'s flags, config files, output and exit codes. The RPC server plugs in
 * through {@linkcode RunAgentOptions.rpcServer}.
 *
 * @module
 */
import { errorMessage } from "../util/errors.ts";
import { Logger, type LogLevel } from "../util/log.ts";
import { RealClock } from "../util/clock.ts";
import type { Platform } from "../platform/platform.ts";
import { readMemoryFigures } from "../platform/node_memory.ts";
import { openUdpSender } from "../platform/node_udp.ts";
import { dialStream } from "../transport/detect.ts";
import { type AgentMetrics, startAgentMetrics } from "../agent/agent_metrics.ts";
import { prometheusMetricsText } from "../agent/prometheus_exporter.ts";
import { Agent, type AgentRpcServer, type RpcServerFactory } from "../agent/agent.ts";
import { type AgentConfig, emptyAgentConfig, parseTagFlags } from "../agent/config.ts";
import { checkLogLevel, resolveAgentConfig } from "../agent/config_resolve.ts";
import { parseGoDuration } from "../util/duration.ts";
import { retryJoin, SignalQueue, waitForExit } from "../agent/lifecycle.ts";
import { LogWriter } from "../agent/log_writer.ts";
import type { SyslogWriter } from "../agent/syslog_writer.ts";
import {
  addrParts,
  encryptKeyBytes,
  joinHostPort,
  profileConfig,
  resolveBindAddress,
} from "../agent/serf_options.ts";
import type { AgentHttp } from "./agent_http.ts";
import { FlagError, type ParsedFlags, parseFlags } from "./flags.ts";
import { AGENT_FLAGS, AGENT_HELP } from "./agent_flags.ts";

export type { AgentRpcServer, RpcServerFactory };

/** Seams for the composition root (main.ts). */
export interface RunAgentOptions {
  /** Starts the RPC server on `rpc_addr`; without one, no RPC listener runs and a warning is logged. */
  rpcServer?: RpcServerFactory;
  /**
   * Syslog sockets tried in order. The environment variable
   * `SERFTS_SYSLOG_PATHS` (paths separated by `:`) overrides this, so tests
   * and unusual hosts can point a built binary at another socket.
   * @default Serf's: /dev/log, /var/run/syslog, /var/run/log
   */
  syslogPaths?: readonly string[];
}

/** What the flags set, as a config with everything else unset, plus the config paths they name. */
export function configFromFlags(flags: ParsedFlags): { config: AgentConfig; configPaths: string[] } {
  const v = flags.values;
  const str = (name: string) => String(v[name] ?? "");
  const list = (name: string) => [...(v[name] as string[])];
  const config: AgentConfig = {
    ...emptyAgentConfig(),
    bindAddr: str("bind"),
    advertiseAddr: str("advertise"),
    encryptKey: str("encrypt"),
    keyringFile: str("keyring-file"),
    eventHandlers: list("event-handler"),
    startJoin: list("join"),
    replayOnJoin: v.replay === true,
    logLevel: str("log-level"),
    nodeName: str("node"),
    protocol: Number(v.protocol),
    role: str("role"),
    rpcAddr: str("rpc-addr"),
    httpAddr: str("http-addr"),
    httpAuth: str("http-auth"),
    profile: str("profile"),
    snapshotPath: str("snapshot"),
    discover: str("discover"),
    interface: str("iface"),
    mdnsInterface: str("mdns-iface"),
    mdnsDisableIpv4: v["mdns-disable-ipv4"] === true,
    mdnsDisableIpv6: v["mdns-disable-ipv6"] === true,
    tagsFile: str("tags-file"),
    enableSyslog: v.syslog === true,
    retryJoin: list("retry-join"),
    retryMaxAttempts: Number(v["retry-max"]),
    rejoinAfterLeave: v.rejoin === true,
    tcpOnly: v["tcp-only"] === true,
    enableCompression: v["disable-compression"] !== true,
    tags: parseTagFlags(v.tag as string[]),
  };
  if (str("retry-interval")) config.retryIntervalMs = parseGoDuration(str("retry-interval"));
  if (str("broadcast-timeout")) config.broadcastTimeoutMs = parseGoDuration(str("broadcast-timeout"));
  return { config, configPaths: [...list("config-file"), ...list("config-dir")] };
}

/**
 * Serf keeps -config-file and -config-dir in one list, in command-line order
 * (each path is read as a file or a directory, whatever the flag said), so
 * both are parsed as -config-file.
 */
function mergeConfigPathFlags(argv: string[]): string[] {
  return argv.map((arg) => arg.replace(/^(--?)config-dir(=|$)/, "$1config-file$2"));
}

/** Reads flags, files and defaults into the effective config (Serf's readConfig). */
async function readConfig(argv: string[], platform: Platform, out: (t: string) => void) {
  const flags = parseFlags(mergeConfigPathFlags(argv), AGENT_FLAGS);
  let fromFlags;
  try {
    fromFlags = configFromFlags(flags);
  } catch (err) {
    throw new Error(`Error: ${errorMessage(err)}`);
  }
  const resolved = await resolveAgentConfig(fromFlags.config, fromFlags.configPaths, platform);
  for (const n of resolved.notices) out(n);
  return resolved.config;
}

/** Runs the agent; resolves with the process exit code. */
export async function runAgent(
  argv: string[],
  platform: Platform,
  options: RunAgentOptions = {},
): Promise<number> {
  const output = (text: string) => platform.writeStdout(`==> ${text}\n`);
  let config: AgentConfig;
  try {
    config = await readConfig(argv, platform, output);
  } catch (err) {
    if (err instanceof FlagError) {
      if (err.message === "help requested") {
        platform.writeStderr(AGENT_HELP);
        return 0;
      }
      platform.writeStderr(`${err.message}\n`);
      output(AGENT_HELP.trimEnd());
      return 1;
    }
    output(errorMessage(err));
    return 1;
  }

  let level: LogLevel;
  try {
    level = checkLogLevel(config.logLevel);
  } catch (err) {
    output(errorMessage(err));
    return 1;
  }
  let syslog: SyslogWriter | undefined;
  if (config.enableSyslog) {
    try {
      // Loaded only with -syslog, like mDNS: most agents never log to syslog.
      const { openAgentSyslog } = await import("../agent/syslog_setup.ts");
      syslog = await openAgentSyslog(config, platform, options.syslogPaths);
    } catch (err) {
      output(errorMessage(err));
      return 1;
    }
  }
  try {
    return await runWithLogs(argv, platform, options, config, level, syslog);
  } finally {
    await syslog?.close();
  }
}

/** The rest of {@linkcode runAgent}, once the log sinks are set up. */
async function runWithLogs(
  argv: string[],
  platform: Platform,
  options: RunAgentOptions,
  config: AgentConfig,
  level: LogLevel,
  syslog: SyslogWriter | undefined,
): Promise<number> {
  const output = (text: string) => platform.writeStdout(`==> ${text}\n`);
  const info = (text: string) => platform.writeStdout(text === "" ? "\n" : `    ${text}\n`);
  // Serf's gated writer: console lines wait until the banner is out; syslog gets them at once.
  const logs = new LogWriter();
  let gate: string[] | undefined = [];
  const consoleSink = (line: string) => (gate ? gate.push(line) : info(line));
  logs.subscribe(level, consoleSink, false);
  if (syslog) logs.subscribe(level, syslog.write, false);

  try {
    await resolveBindAddress(config, platform, output);
    if (config.advertiseAddr) {
      await addrParts(config.advertiseAddr, platform.lookupHost).catch((err) => {
        throw new Error(`Invalid advertise address: ${errorMessage(err)}`);
      });
    }
    encryptKeyBytes(config);
    profileConfig(config.profile);
  } catch (err) {
    output(errorMessage(err));
    return 1;
  }
  output("Starting Serf agent...");
  const telemetry = startTelemetry(config, platform, logs);
  // Serf prints its in-memory metrics to stderr on SIGUSR1.
  const removeDump = platform.onSignal("SIGUSR1", () => platform.writeStderr(telemetry.dump()));
  const stopTelemetry = async () => {
    removeDump();
    await telemetry.close().catch(() => {});
  };
  let agent: Agent;
  try {
    agent = await Agent.create({ config, platform, logs, metrics: telemetry.metrics, notice: () => {} });
  } catch (err) {
    output(`Failed to setup the Serf agent: ${errorMessage(err)}`);
    await stopTelemetry();
    return 1;
  }
  try {
    await agent.start();
  } catch (err) {
    output(`Failed to start the Serf agent: ${errorMessage(err)}`);
    await agent.shutdown();
    await stopTelemetry();
    return 1;
  }
  const signals = new SignalQueue(platform);
  let rpc: AgentRpcServer | undefined;
  let http: AgentHttp | undefined;
  const stop = new AbortController();
  try {
    const flushLogs = () => {
      for (const line of gate ?? []) info(line);
      gate = undefined;
    };
    const started: Started = {
      argv,
      platform,
      output,
      info,
      signals,
      stop,
      options,
      logs,
      consoleSinks: syslog ? [consoleSink, syslog.write] : [consoleSink],
      level,
    };
    const servers = {
      setRpc: (r: AgentRpcServer) => (rpc = r),
      setHttp: (h: AgentHttp) => (http = h),
      // `/metrics`: the Prometheus sink (on with http_addr) plus what is read from the agent at scrape time.
      metricsText: telemetry.prometheus &&
        prometheusMetricsText(telemetry.prometheus, {
          serf: () => agent.serf,
          rpcClients: () => rpc?.clientCount ?? 0,
        }),
    };
    return await runStarted(agent, config, started, servers, flushLogs);
  } finally {
    stop.abort();
    await http?.close().catch(() => {});
    await rpc?.close().catch(() => {});
    await agent.shutdown();
    await stopTelemetry();
    // Log lines still held back (startup failed before the banner) are dropped, as Serf's gated writer
    // drops them: the failure line is the last thing printed.
    gate = undefined;
    signals.close();
  }
}

/**
 * Serf's telemetry for this process: the in-memory sink, and the sinks
 * `statsite_addr` and `statsd_addr` name, logging their failures like
 * go-metrics (`[ERR] Error connecting to statsd! ...`, no subsystem).
 */
function startTelemetry(config: AgentConfig, platform: Platform, logs: LogWriter): AgentMetrics {
  return startAgentMetrics(config, {
    clock: new RealClock(),
    logger: new Logger({ level: "TRACE", sink: (line) => logs.write(line) }),
    hostName: platform.hostname(),
    openUdp: openUdpSender,
    dial: dialStream,
    readMemory: readMemoryFigures,
    prometheus: config.httpAddr !== "",
  });
}

interface Started {
  argv: string[];
  platform: Platform;
  output(text: string): void;
  info(text: string): void;
  signals: SignalQueue;
  stop: AbortController;
  options: RunAgentOptions;
  logs: LogWriter;
  /** The subscribers that follow the configured log level (console, syslog) on reload. */
  consoleSinks: ((line: string) => void)[];
  level: LogLevel;
}

/** Everything after the agent started: mDNS, RPC, banner, joins, and the signal loop. */
async function runStarted(
  agent: Agent,
  config: AgentConfig,
  s: Started,
  servers: {
    setRpc(rpc: AgentRpcServer): void;
    setHttp(http: AgentHttp): void;
    metricsText: (() => string) | undefined;
  },
  flushLogs: () => void,
): Promise<number> {
  if (config.discover) {
    try {
      // Loaded only with -discover: most agents never multicast.
      const [{ startAgentMdns }, { openNodeMulticast }] = await Promise.all([
        import("../agent/mdns.ts"),
        import("../platform/multicast_node.ts"),
      ]);
      const mdns = await startAgentMdns(agent, config, { platform: s.platform, open: openNodeMulticast });
      s.stop.signal.addEventListener("abort", () => void mdns.close());
    } catch (err) {
      s.output(`Error starting mDNS listener: ${errorMessage(err)}`);
      return 1;
    }
  }
  if (s.options.rpcServer) {
    try {
      const logger = agent.logger.child("agent.ipc");
      const options = { addr: config.rpcAddr, authKey: config.rpcAuthKey, logger, metrics: agent.metrics };
      servers.setRpc(await s.options.rpcServer(agent, options));
    } catch (err) {
      s.output(`Error starting RPC listener: ${errorMessage(err)}`);
      return 1;
    }
  } else {
    agent.log.warn(`No RPC server in this build: not listening on ${config.rpcAddr}`);
  }
  if (config.httpAddr) {
    try {
      const { startAgentHttp } = await import("./agent_http.ts");
      servers.setHttp(await startAgentHttp(agent, config, { metricsText: servers.metricsText }));
    } catch (err) {
      s.output(`Error starting HTTP listener: ${errorMessage(err)}`);
      return 1;
    }
  }
  s.output("Starting Serf agent RPC...");
  s.output("Serf agent running!");
  const bind = joinHostPort({ host: agent.bind.host, port: agent.serf.memberlist.advertiseAddress.port });
  s.info(`                  Node name: '${config.nodeName}'`);
  s.info(`                  Bind addr: '${agent.bind.port === 0 ? bind : joinHostPort(agent.bind)}'`);
  if (config.advertiseAddr && agent.advertise) s.info(`Advertise addr: '${joinHostPort(agent.advertise)}'`);
  s.info(`                   RPC addr: '${config.rpcAddr}'`);
  s.info(`                  Encrypted: ${agent.serf.encryptionEnabled}`);
  s.info(`                   Snapshot: ${config.snapshotPath !== ""}`);
  s.info(`                    Profile: ${config.profile}`);
  s.info(`Message Compression Enabled: ${config.enableCompression}`);
  if (config.discover) s.info(`               mDNS cluster: ${config.discover}`);

  if (config.startJoin.length > 0) {
    s.output(`Joining cluster...(replay: ${config.replayOnJoin})`);
    try {
      const n = await agent.join(config.startJoin, config.replayOnJoin);
      s.info(`Join completed. Synced with ${n} initial agents`);
    } catch (err) {
      s.output(errorMessage(err));
      return 1;
    }
  }
  s.info("");
  s.output("Log data will now stream in as it occurs:\n");
  flushLogs();

  const retryFailed = retryJoin(agent, s.stop.signal).then((ok) =>
    ok ? new Promise<void>(() => {}) : undefined
  );
  let current = config;
  return await waitForExit(agent, {
    signals: s.signals,
    output: s.output,
    error: s.output,
    retryJoinFailed: retryFailed,
    reload: async () => {
      s.output("Reloading configuration...");
      let next: AgentConfig;
      try {
        next = await readConfig(s.argv, s.platform, s.output);
      } catch (err) {
        s.output(errorMessage(err));
        s.output("Failed to reload configs");
        return;
      }
      try {
        const nextLevel = checkLogLevel(next.logLevel);
        for (const sink of s.consoleSinks) s.logs.setLevel(sink, nextLevel);
      } catch (err) {
        s.output(errorMessage(err));
        next.logLevel = current.logLevel;
      }
      current = next;
      try {
        await agent.reload(next);
      } catch (err) {
        s.output(errorMessage(err));
      }
    },
  });
}
