/**
 * The flags `serfts agent` accepts (Serf 0.9.4's, 0.10's `-mdns-*`, and
 * serfts' own) and the help text that documents them: the table the parser,
 * the help, the fuzz targets and the config tests all read.
 *
 * @module
 */
import type { FlagSpec } from "./flags.ts";

/** Every `serf agent` flag (Serf 0.9.4, plus 0.10's `-mdns-*`). Durations are Go duration strings. */
export const AGENT_FLAGS: Record<string, FlagSpec> = {
  bind: { kind: "string", usage: "Address to bind network listeners to." },
  iface: { kind: "string", usage: "Network interface to bind to." },
  advertise: { kind: "string", usage: "Address to advertise to the other cluster members." },
  "config-file": { kind: "list", usage: "JSON config file; repeatable." },
  "config-dir": { kind: "list", usage: "Directory of *.json config files; repeatable." },
  discover: { kind: "string", usage: "mDNS cluster name for discovering peers." },
  "mdns-iface": { kind: "string", usage: "Network interface for mDNS (Serf 0.10)." },
  "mdns-disable-ipv4": { kind: "bool", usage: "Do not query over IPv4 for mDNS (Serf 0.10)." },
  "mdns-disable-ipv6": { kind: "bool", usage: "Do not query over IPv6 for mDNS (Serf 0.10)." },
  encrypt: { kind: "string", usage: "Base64 key for encrypting gossip." },
  "keyring-file": { kind: "string", usage: "File holding the keyring." },
  "event-handler": { kind: "list", usage: "Event handler script; repeatable." },
  join: { kind: "list", usage: "Agent to join at start; repeatable." },
  replay: { kind: "bool", usage: "Replay past user events on the startup join." },
  "log-level": { kind: "string", usage: "Log level." },
  node: { kind: "string", usage: "Node name." },
  protocol: { kind: "int", usage: "Serf protocol version.", default: -1 },
  role: { kind: "string", usage: "Deprecated role (use -tag role=...)." },
  "rpc-addr": { kind: "string", usage: "RPC listener address." },
  "http-addr": { kind: "string", usage: "HTTP API and dashboard address (off when empty)." },
  "http-auth": { kind: "string", usage: "Bearer token the HTTP API requires." },
  profile: { kind: "string", usage: "Timing profile: lan, wan or local." },
  snapshot: { kind: "string", usage: "Snapshot file." },
  tag: { kind: "list", usage: "Tag as key=value; repeatable." },
  "tags-file": { kind: "string", usage: "File persisting tags." },
  syslog: { kind: "bool", usage: "Also log to syslog." },
  "retry-join": { kind: "list", usage: "Agent to join with retries; repeatable." },
  "retry-max": { kind: "int", usage: "Retry-join attempts (0: unlimited).", default: 0 },
  "retry-interval": { kind: "string", usage: "Pause between retry-joins." },
  rejoin: { kind: "bool", usage: "Rejoin from the snapshot even after a leave." },
  "disable-compression": { kind: "bool", usage: "Do not compress gossip." },
  "broadcast-timeout": { kind: "string", usage: "Timeout for leave and force-leave broadcasts." },
  "tcp-only": { kind: "bool", usage: "Send probes, gossip and user messages over TCP only." },
};

/** `serfts agent -h`, laid out like `serf agent -h`. */
export const AGENT_HELP = `Usage: serfts agent [options]

  Starts a Serf agent and runs it until interrupted. The agent is one node
  of a cluster.

Options:

  -bind=0.0.0.0:7946       Address to bind network listeners to. For IPv6 use
                           [::1] or [::1]:7946.
  -iface                   Network interface to bind to, instead of (or to check)
                           -bind. Also the multicast interface for -discover,
                           unless -mdns-iface is given.
  -mdns-iface              Network interface for mDNS. Default: the -iface value.
  -mdns-disable-ipv4       Do not use IPv4 for mDNS queries.
  -mdns-disable-ipv6       Do not use IPv6 for mDNS queries.
  -advertise=0.0.0.0       Address to advertise to the other cluster members.
  -config-file=foo         JSON file to read configuration from. Repeatable.
  -config-dir=foo          Directory whose *.json files are read, in lexical
                           order, as configuration. Repeatable.
  -discover=cluster        Cluster name for finding peers by mDNS on networks
                           with multicast, without an explicit join.
  -encrypt=foo             Key encrypting the gossip: base64 of 16, 24 or 32 bytes.
  -keyring-file            File keeping the encryption keys; rewritten as keys
                           change so the agent restarts with the same keys.
  -event-handler=foo       Script run when events occur. Repeatable; see the
                           event handler section below.
  -join=addr               Agent to join at start. Repeatable.
  -log-level=info          Log level of the agent.
  -node=hostname           Name of this node, unique in the cluster.
  -profile=[lan|wan|local] Timing profile. Default: lan.
  -protocol=n              Serf protocol version to speak. Defaults to the
                           newest; set it back while upgrading a cluster.
  -rejoin                  Rejoin the cluster from the snapshot even after a
                           leave. Needs -snapshot.
  -retry-join=addr         Agent to join, retried until it works. Repeatable.
  -retry-interval=30s      Pause between -retry-join attempts. Default: 30s.
  -retry-max=0             Most -retry-join attempts; 0 for no limit.
  -disable-compression     Do not compress gossip messages (on by default).
  -role=foo                Role of this node (deprecated: use -tag role=foo).
  -rpc-addr=127.0.0.1:7373 Address of the RPC listener.
  -http-addr=ip:port       Serve the HTTP/JSON API, /metrics and the dashboard
                           here (serfts only; off by default; see README).
  -http-auth=token         Bearer token every HTTP API request must carry.
  -snapshot=path/to/file   Snapshot file: members and event clocks, so the agent
                           rejoins and skips old events after a restart.
  -tag key=value           Tag for this node. Repeatable.
  -tags-file=/path/to/file File keeping the tags; rewritten as tags change and
                           read at start. Not allowed together with -tag or tags
                           in a config file.
  -syslog                  Also send logs to syslog.
  -broadcast-timeout=5s    Longest wait for leave and force-leave broadcasts.
                           Default: 5s.
  -tcp-only                Send probes, gossip and user messages over TCP, for
                           networks that drop UDP (serfts only; see README).

Event handlers:

  An -event-handler value takes one of these forms:

  - "handler.sh": run for every event; SERF_EVENT tells which one.

  - "TYPE=handler.sh": run only for events of TYPE, for example
    "member-join=join.sh". Several types: "member-join,member-leave=x.sh".

  - "user:NAME=handler.sh" or "query:NAME=handler.sh": run only for the user
    event or query called NAME, for example "user:deploy=deploy.sh".
`;
