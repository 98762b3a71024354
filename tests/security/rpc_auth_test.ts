/**
 * Security of the agent's RPC port, on real agents side by side with Serf
 * 0.9.4: it listens on loopback unless told otherwise, and with `rpc_auth`
 * every command of the protocol is refused, with Serf's text and without
 * effect, until the client authenticates.
 */
import assert from "node:assert/strict";
import { decodeGeneric, type MsgpackEncodable } from "../../lib/codec/msgpack.ts";
import { StreamReader } from "../../lib/codec/stream_reader.ts";
import { handshakeValue } from "../../lib/rpc/bodies.ts";
import { RpcClient } from "../../lib/rpc/client.ts";
import {
  encodeRpcFrame,
  requestHasBody,
  requestHeaderValue,
  RPC_COMMANDS,
  type RpcCommand,
} from "../../lib/rpc/protocol.ts";
import { dialStream } from "../../lib/transport/detect.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { startAgentProcess } from "../interop/_serfts.ts";
import { findSerfBinary, startRealAgent } from "../rpc/_serf_agent.ts";

const serf = findSerfBinary();
const TOKEN = "s3cret-token";
const opts = { sanitizeOps: false, sanitizeResources: false };
const cli = new URL("../../cli.ts", import.meta.url).pathname;

/** A body that would do harm if the command ran: tag changes, an event, a leave, key removal... */
const BODIES: Partial<Record<RpcCommand, MsgpackEncodable>> = {
  "event": new Map<string, MsgpackEncodable>([["Name", "pwn"], ["Payload", new Uint8Array(4)], [
    "Coalesce",
    false,
  ]]),
  "force-leave": new Map<string, MsgpackEncodable>([["Node", "victim"], ["Prune", true]]),
  "join": new Map<string, MsgpackEncodable>([["Existing", ["127.0.0.1:1"]], ["Replay", false]]),
  "members-filtered": new Map<string, MsgpackEncodable>([["Tags", new Map()], ["Status", ""], ["Name", ""]]),
  "tags": new Map<string, MsgpackEncodable>([["Tags", new Map([["pwn", "1"]])], ["DeleteTags", []]]),
  "stream": new Map([["Type", "*"]]),
  "monitor": new Map([["LogLevel", "DEBUG"]]),
  "stop": new Map([["Stop", 1]]),
  "query": new Map<string, MsgpackEncodable>([
    ["FilterNodes", []],
    ["FilterTags", new Map()],
    ["RequestAck", false],
    ["RelayFactor", 0],
    ["Timeout", 0],
    ["Name", "pwn"],
    ["Payload", new Uint8Array(4)],
  ]),
  "respond": new Map<string, MsgpackEncodable>([["ID", 1], ["Payload", new Uint8Array(4)]]),
  "install-key": new Map([["Key", "T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="]]),
  "use-key": new Map([["Key", "T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="]]),
  "remove-key": new Map([["Key", "T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="]]),
  "get-coordinate": new Map([["Node", "victim"]]),
};

/** The commands that need auth: all but the two that lead to it. */
const GUARDED = RPC_COMMANDS.filter((c) => c !== "handshake" && c !== "auth");

/** On a fresh connection: handshake, then `command` unauthenticated; returns the answer's header. */
async function unauthenticated(rpcAddr: string, command: RpcCommand): Promise<unknown> {
  const [host, port] = rpcAddr.split(":");
  const stream = await dialStream({ host: host!, port: Number(port) }, 2_000);
  try {
    const reader = new StreamReader(stream);
    const next = async () => decodeGeneric(await reader.readMsgpackBytes({ timeoutMs: 5_000 }));
    await stream.write(
      encodeRpcFrame(requestHeaderValue({ command: "handshake", seq: 1 }), handshakeValue(1)),
    );
    assert.deepEqual(await next(), { Seq: 1, Error: "" });
    const header = requestHeaderValue({ command, seq: 2 });
    const body = BODIES[command];
    if (requestHasBody(command)) assert.ok(body !== undefined, `a test body for ${command}`);
    await stream.write(requestHasBody(command) ? encodeRpcFrame(header, body!) : encodeRpcFrame(header));
    return await next();
  } finally {
    stream.close();
  }
}

/** Every guarded command's answer, by command. */
async function refusals(rpcAddr: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const command of GUARDED) out[command] = await unauthenticated(rpcAddr, command);
  return out;
}

/**
 * What an authenticated client sees of the agent: its tags, clocks, members
 * and keys (listing the keys is a query: it moves the query clock by one).
 */
async function observable(rpcAddr: string): Promise<Record<string, unknown>> {
  const client = await RpcClient.connect(rpcAddr, { authKey: TOKEN, timeoutMs: 5_000 });
  try {
    const stats = await client.stats();
    const members = await client.members();
    return {
      tags: stats.tags,
      eventTime: stats.serf?.event_time,
      queryTime: stats.serf?.query_time,
      members: members.map((m) => `${m.name} ${m.status}`),
      keys: (await client.listKeys()).keys,
    };
  } finally {
    client.close();
  }
}

Deno.test({
  name: "RPC with rpc_auth: every command before auth is refused with Serf's text and has no effect",
  ignore: !serf,
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "serfts-rpc-auth-" });
    const config = { rpc_auth: TOKEN, encrypt_key: "QHOYjmYlxSCBhdfiolhtDQ==", tags: { role: "web" } };
    await Deno.writeTextFile(`${dir}/agent.json`, JSON.stringify(config));
    const agentArgs = [`-config-file=${dir}/agent.json`];
    const ours = startAgentProcess(["-node=auth-ts", `-bind=127.0.0.1:${freePort()}`, ...agentArgs]);
    const theirs = await startRealAgent(serf!, "auth-go", agentArgs).catch(async (err) => {
      await ours.stop("SIGKILL");
      throw err;
    });
    try {
      assert.ok(
        await waitFor(() => observable(ours.rpcAddr).then(() => true, () => false), 30_000),
        ours.output(),
      );
      const before = await observable(ours.rpcAddr);
      const serfBefore = await observable(theirs.rpc);
      const oursRefused = await refusals(ours.rpcAddr);
      const serfRefused = await refusals(theirs.rpc);
      for (const command of GUARDED) {
        assert.deepEqual(oursRefused[command], { Seq: 2, Error: "Authentication required" }, command);
      }
      assert.deepEqual(oursRefused, serfRefused, "the same answers as serf agent, command by command");
      // The only query since `before` is observable's own key listing.
      const expected = (b: Record<string, unknown>) => ({ ...b, queryTime: String(Number(b.queryTime) + 1) });
      assert.deepEqual(await observable(ours.rpcAddr), expected(before), "nothing changed in serfts");
      assert.deepEqual(await observable(theirs.rpc), expected(serfBefore), "nothing changed in serf");
      await assert.rejects(
        RpcClient.connect(ours.rpcAddr, { authKey: "wrong" }),
        /Invalid authentication token/,
      );
      assert.match(ours.output(), /Client sending commands before auth/);
    } finally {
      await Promise.all([ours.stop("SIGKILL"), theirs.stop()]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Runs `argv` (an agent without -rpc-addr) in a network namespace of its own,
 * so the default RPC port 7373 is free whatever else runs on the machine, and
 * returns the TCP addresses listening there once port 7373 is up (`ss`, run
 * in the namespace; at most 30 s).
 */
async function defaultListeners(argv: string[]): Promise<string[]> {
  const script = `ip link set lo up || exit 1
"$@" >/dev/null 2>&1 &
agent=$!
i=0
while [ $i -lt 300 ] && ! ss -ltnH | grep -q ':7373 '; do sleep 0.1; i=$((i + 1)); done
ss -ltnH
kill -9 $agent
wait $agent 2>/dev/null
exit 0`;
  const out = await new Deno.Command("unshare", {
    args: ["-n", "sh", "-c", script, "sh", ...argv],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  return text.trim().split("\n").map((l) => l.trim().split(/\s+/)[3] ?? "").filter((a) => a !== "").sort();
}

Deno.test({
  name: "RPC listens on 127.0.0.1:7373 by default, as serf does, never on every interface",
  ignore: !serf || Deno.uid() !== 0,
  ...opts,
  async fn() {
    const gossip = ["-node=n", "-bind=127.0.0.1:7946"];
    const ours = await defaultListeners([
      Deno.execPath(),
      "run",
      "-A",
      "--unstable-net",
      cli,
      "agent",
      ...gossip,
    ]);
    const theirs = await defaultListeners([serf!, "agent", ...gossip]);
    assert.ok(ours.includes("127.0.0.1:7373"), `serfts listens on ${ours}`);
    assert.deepEqual(ours.filter((a) => a.endsWith(":7373")), ["127.0.0.1:7373"]);
    assert.deepEqual(ours, theirs, "the same listeners as serf agent");
  },
});
