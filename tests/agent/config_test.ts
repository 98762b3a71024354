import assert from "node:assert/strict";
import { join } from "node:path";
import {
  defaultAgentConfig,
  emptyAgentConfig,
  mergeAgentConfig,
  parseTagFlags,
} from "../../lib/agent/config.ts";
import { decodeAgentConfig, readConfigPaths } from "../../lib/agent/config_file.ts";
import { resolveAgentConfig } from "../../lib/agent/config_resolve.ts";
import { denoPlatform } from "../../lib/platform/deno.ts";

const platform = { ...denoPlatform(), hostname: () => "host-1" };

Deno.test("defaultAgentConfig has serf agent's defaults", () => {
  const d = defaultAgentConfig();
  assert.equal(d.bindAddr, "0.0.0.0");
  assert.equal(d.rpcAddr, "127.0.0.1:7373");
  assert.equal(d.logLevel, "INFO");
  assert.equal(d.protocol, 5);
  assert.equal(d.profile, "lan");
  assert.equal(d.retryIntervalMs, 30_000);
  assert.equal(d.broadcastTimeoutMs, 5_000);
  assert.equal(d.syslogFacility, "LOCAL0");
  assert.deepEqual([d.queryResponseSizeLimit, d.querySizeLimit, d.userEventSizeLimit], [1024, 1024, 512]);
  assert.equal(d.enableCompression, false); // the flags decide it (see mergeAgentConfig)
});

Deno.test("mergeAgentConfig overrides set values, appends lists, merges tags, keeps booleans on", () => {
  const a = {
    ...defaultAgentConfig(),
    nodeName: "a",
    tags: { role: "web", dc: "1" },
    eventHandlers: ["a.sh"],
    startJoin: ["x"],
    retryJoin: ["r1"],
    leaveOnTerm: true,
    enableCompression: true,
  };
  const b = {
    ...emptyAgentConfig(),
    bindAddr: "127.0.0.1",
    protocol: -1,
    tags: { dc: "2" },
    eventHandlers: ["b.sh"],
    startJoin: ["y"],
    retryJoin: ["r2"],
    retryIntervalMs: 5_000,
  };
  const m = mergeAgentConfig(a, b);
  assert.equal(m.nodeName, "a"); // empty string does not override
  assert.equal(m.bindAddr, "127.0.0.1");
  assert.equal(m.protocol, 5); // -1 (flag unset) does not override
  assert.deepEqual(m.tags, { role: "web", dc: "2" });
  assert.deepEqual(m.eventHandlers, ["a.sh", "b.sh"]);
  assert.deepEqual(m.startJoin, ["x", "y"]);
  assert.deepEqual(m.retryJoin, ["r1", "r2"]);
  assert.equal(m.leaveOnTerm, true); // false never switches a boolean off
  assert.equal(m.retryIntervalMs, 5_000);
  assert.equal(m.enableCompression, false); // always taken from b, as Serf does
  assert.deepEqual(a.tags, { role: "web", dc: "1" }, "inputs are not mutated");
  assert.equal(mergeAgentConfig(a, { ...emptyAgentConfig(), protocol: 3 }).protocol, 3);
});

Deno.test("parseTagFlags splits on the first '=' and rejects empty keys", () => {
  assert.deepEqual(parseTagFlags(["role=web", "expr=a=b", "empty="]), {
    role: "web",
    expr: "a=b",
    empty: "",
  });
  assert.throws(() => parseTagFlags(["foo"]), { message: "Invalid tag: 'foo'" });
  assert.throws(() => parseTagFlags(["=x"]), { message: "Invalid tag: '=x'" });
});

Deno.test("decodeAgentConfig reads every Serf key", () => {
  const c = decodeAgentConfig(JSON.stringify({
    node_name: "n",
    role: "r",
    disable_coordinates: true,
    tags: { a: "b" },
    tags_file: "/t",
    bind: "1.2.3.4",
    advertise: "5.6.7.8:9",
    encrypt_key: "k",
    keyring_file: "/k",
    log_level: "debug",
    rpc_addr: "127.0.0.1:1",
    rpc_auth: "secret",
    protocol: 4,
    replay_on_join: true,
    query_response_size_limit: 10,
    query_size_limit: 11,
    user_event_size_limit: 12,
    start_join: ["a", "b"],
    event_handlers: ["x.sh"],
    profile: "wan",
    snapshot_path: "/s",
    leave_on_terminate: true,
    skip_leave_on_interrupt: true,
    discover: "c",
    interface: "lo",
    reconnect_interval: "10s",
    reconnect_timeout: "1h",
    tombstone_timeout: "2h",
    disable_name_resolution: true,
    enable_syslog: true,
    syslog_facility: "LOCAL1",
    retry_join: ["r"],
    retry_max_attempts: 3,
    retry_interval: "5s",
    rejoin_after_leave: true,
    enable_compression: true,
    statsite_addr: "s:1",
    statsd_addr: "d:1",
    broadcast_timeout: "7s",
  }));
  assert.equal(c.nodeName, "n");
  assert.equal(c.disableCoordinates, true);
  assert.deepEqual(c.tags, { a: "b" });
  assert.equal(c.rpcAuthKey, "secret");
  assert.equal(c.protocol, 4);
  assert.deepEqual(c.startJoin, ["a", "b"]);
  assert.equal(c.interface, "lo");
  assert.deepEqual(
    [
      c.reconnectIntervalMs,
      c.reconnectTimeoutMs,
      c.tombstoneTimeoutMs,
      c.retryIntervalMs,
      c.broadcastTimeoutMs,
    ],
    [10_000, 3_600_000, 7_200_000, 5_000, 7_000],
  );
  assert.equal(c.retryMaxAttempts, 3);
  assert.equal(c.enableCompression, true);
  assert.equal(c.statsdAddr, "d:1");
});

Deno.test("decodeAgentConfig is strict like Serf's decoder, with its error text", () => {
  const err = (text: string, message: string) =>
    assert.throws(() => decodeAgentConfig(text), { name: "SyntaxError", message }, text);
  err('{"bogus": 1, "node_name": "x"}', "1 error(s) decoding:\n\n* '' has invalid keys: bogus");
  err(
    '{"protocol": "x"}',
    "1 error(s) decoding:\n\n* 'protocol' expected type 'int', got unconvertible type 'string', value: 'x'",
  );
  err(
    '{"node_name": 1.5, "zz": 1, "aa": 2}',
    "2 error(s) decoding:\n\n* '' has invalid keys: aa, zz\n* 'node_name' expected type 'string', got unconvertible type 'float64', value: '1.5'",
  );
  err(
    '{"leave_on_terminate": "true"}',
    "1 error(s) decoding:\n\n* 'leave_on_terminate' expected type 'bool', got unconvertible type 'string', value: 'true'",
  );
  err(
    '{"start_join": "a"}',
    "1 error(s) decoding:\n\n* 'start_join': source data must be an array or slice, got string",
  );
  err(
    '{"event_handlers": ["a", 2]}',
    "1 error(s) decoding:\n\n* 'event_handlers[1]' expected type 'string', got unconvertible type 'float64', value: '2'",
  );
  err(
    '{"tags": {"a": true}}',
    "1 error(s) decoding:\n\n* 'tags[a]' expected type 'string', got unconvertible type 'bool', value: 'true'",
  );
  err('{"tags": ["a"]}', "1 error(s) decoding:\n\n* 'tags' expected a map, got 'slice'");
  // Not a list: Serf 0.9.4 prints mapstructure's refusal of a non-object on its own.
  err("[1]", "'' expected a map, got 'slice'");
  err('"s"', "'' expected a map, got 'string'");
  err('{"node_name": }', "invalid character '}' looking for beginning of value");
  err('{"node_name": "x"', "unexpected EOF");
  err('{"retry_interval": "xx"}', 'time: invalid duration "xx"');
  err(
    '{"retry_interval": 5}',
    "1 error(s) decoding:\n\n* 'retry_interval' expected type 'string', got unconvertible type 'float64', value: '5'",
  );
  err("", "EOF");
  assert.throws(() => decodeAgentConfig('{"node_name":'), SyntaxError);
});

Deno.test("decodeAgentConfig matches keys case-insensitively, truncates numbers, skips nulls", () => {
  const c = decodeAgentConfig('{"NODE_NAME": "a", "Protocol": 3.9, "role": null, "tags": null}');
  assert.equal(c.nodeName, "a");
  assert.equal(c.protocol, 3);
  assert.equal(c.role, "");
  assert.deepEqual(decodeAgentConfig("null"), emptyAgentConfig());
});

Deno.test("readConfigPaths reads files and directories (*.json, lexical, one level) in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const conf = join(dir, "conf.d");
    await Deno.mkdir(join(conf, "nested"), { recursive: true });
    await Deno.writeTextFile(join(conf, "b.json"), '{"event_handlers": ["b.sh"], "node_name": "from-b"}');
    await Deno.writeTextFile(
      join(conf, "a.json"),
      '{"event_handlers": ["a.sh"], "node_name": "from-a", "tags": {"x": "1"}}',
    );
    await Deno.writeTextFile(join(conf, "c.txt"), "not json at all");
    await Deno.writeTextFile(join(conf, "nested", "d.json"), '{"node_name": "nested"}');
    await Deno.writeTextFile(
      join(dir, "first.json"),
      '{"event_handlers": ["first.sh"], "tags": {"x": "0", "y": "2"}}',
    );
    const c = await readConfigPaths([join(dir, "first.json"), `${conf}/`], platform, mergeAgentConfig);
    assert.deepEqual(c.eventHandlers, ["first.sh", "a.sh", "b.sh"]);
    assert.equal(c.nodeName, "from-b");
    assert.deepEqual(c.tags, { x: "1", y: "2" });

    await assert.rejects(
      readConfigPaths([join(dir, "missing.json")], platform, mergeAgentConfig),
      {
        message: `Error reading '${join(dir, "missing.json")}': open ${
          join(dir, "missing.json")
        }: no such file or directory`,
      },
    );
    // A path named with extra slashes is cleaned in messages, as Go's filepath.Join does.
    await Deno.writeTextFile(join(conf, "e.json"), '{"nope": 1}');
    await assert.rejects(readConfigPaths([`${conf}//`], platform, mergeAgentConfig), {
      message: `Error decoding '${conf}/e.json': 1 error(s) decoding:\n\n* '' has invalid keys: nope`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveAgentConfig applies defaults, then files, then flags, with Serf's checks and warnings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "agent.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        event_handlers: ["file.sh"],
        role: "db",
        retry_interval: "100ms",
        broadcast_timeout: "10ms",
        rejoin_after_leave: true,
        tags: { dc: "east" },
        log_level: "debug",
      }),
    );
    const flags = {
      ...emptyAgentConfig(),
      protocol: -1,
      eventHandlers: ["user:deploy=flag.sh"],
      enableCompression: true,
    };
    const { config, notices } = await resolveAgentConfig(flags, [file], platform);
    assert.equal(config.nodeName, "host-1");
    assert.deepEqual(config.eventHandlers, ["file.sh", "user:deploy=flag.sh"]);
    assert.deepEqual(config.tags, { dc: "east", role: "db" });
    assert.equal(config.retryIntervalMs, 1_000);
    assert.equal(config.broadcastTimeoutMs, 1_000);
    assert.equal(config.protocol, 5);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.enableCompression, true);
    assert.deepEqual(notices, [
      "Deprecation warning: 'Role' has been replaced with 'Tags'",
      "Warning: 'RetryInterval' is too low. Setting to 1s",
      "Warning: 'BroadcastTimeout' is too low. Setting to 1s",
      "Warning: 'RejoinAfterLeave' enabled without snapshot file",
    ]);
    await assert.rejects(
      resolveAgentConfig({ ...flags, eventHandlers: ["foo=bar.sh"] }, [], platform),
      { message: "Invalid event script: Event 'foo' invoking 'bar.sh'" },
    );
    await assert.rejects(
      resolveAgentConfig({ ...flags, interface: "no-such-if0" }, [], platform),
      { message: "Invalid network interface: route ip+net: no such network interface" },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
