/**
 * Differential test of RPC errors: a real `serf agent` (0.9.4) and a serfts
 * agent get the same failing requests as raw frames, and must answer with the
 * same `Error` text, the same body and the same choice to keep or drop the
 * connection. RPC clients (the Python serfclient among them) compare these
 * strings. Ignored, with a visible message, when serf is absent (CI sets
 * SERFTS_REQUIRE_REFERENCE=1 and fails instead).
 *
 * Deliberate differences, asserted as such below:
 * - `members-filtered` with a bad regular expression: Serf drops the client
 *   without an answer; serfts answers `Failed to compile regex: ...` (with
 *   JavaScript's wording, since the expression is compiled by JavaScript).
 * - A join to a host name that does not resolve: Go's resolver names the DNS
 *   server (`lookup x on 10.0.0.53:53: no such host`); the runtimes do not
 *   say which server answered, so serfts prints `lookup x: no such host`.
 */
import assert from "node:assert/strict";
import type { MsgpackEncodable } from "../../lib/codec/msgpack_encode.ts";
import { type AgentPair, withAgentPair } from "./_error_pair.ts";
import { errorOf, plain, type RawReply, RawRpc } from "./_raw_rpc.ts";
import { findSerfBinary } from "./_serf_agent.ts";

const serf = findSerfBinary();
if (!serf) {
  if (Deno.env.get("SERFTS_REQUIRE_REFERENCE") === "1") {
    throw new Error("serf is required (SERFTS_REQUIRE_REFERENCE=1)");
  }
  console.warn("error_texts_serf_test: SKIPPED: the serf binary is not installed (apt-get install serf)");
}
const ignore = !serf;

const KEY = "5K9OtfP7efFrNKe5WCQvXvnaXJ5cWP0SvXiwe0kkjM4=";
const OTHER_KEY = "HvY8ubRZMgafUOWvrOadwOckVa1wN3QWAo46FVKbVN8=";
const TOKEN = "errs-token";

/** One exchange on a fresh connection; returns what the test compares (replies, or a list of them). */
type Exchange = (rpc: RawRpc) => Promise<RawReply | RawReply[] | string>;

/** A request on a connection that has handshaken (and authenticated when `auth` is given). */
function after(
  command: string,
  body: MsgpackEncodable | undefined,
  count: number,
  auth?: string,
): (rpc: RawRpc) => Promise<RawReply> {
  return async (rpc) => {
    await rpc.open(auth);
    return await rpc.call(command, 7, body, count);
  };
}

/** Runs `exchange` against both agents and asserts the same decoded reply. */
async function assertSameReply(pair: AgentPair, what: string, exchange: Exchange): Promise<unknown> {
  const replies: unknown[] = [];
  for (const addr of [pair.real.rpc, pair.ours.rpc]) {
    await using rpc = await RawRpc.connect(addr);
    replies.push(await exchange(rpc));
  }
  const [theirs, ours] = replies.map(plain);
  assert.deepEqual(ours, theirs, `${what}: serfts differs from serf`);
  return replies[0];
}

/** The Error text of a join to `addresses` on both agents, asserted equal; returns serf's. */
async function joinError(pair: AgentPair, addresses: string[]): Promise<string> {
  const reply = await assertSameReply(
    pair,
    `join ${addresses.join(" ")}`,
    after("join", { Existing: addresses, Replay: false }, 2),
  );
  return errorOf(reply as RawReply);
}

Deno.test({
  name: "RPC errors match serf: handshake, unknown commands, joins, events, queries, streams",
  ignore,
  async fn() {
    await withAgentPair(serf!, {}, async (pair) => {
      // Protocol errors: the answer, and whether the agent then drops the client.
      const before = await assertSameReply(pair, "members before handshake", async (rpc) => {
        const first = await rpc.call("members", 1, undefined, 1);
        return [first, await rpc.read(1)];
      });
      assert.deepEqual(plain(before), [[{ Error: "Handshake required", Seq: 1 }], "closed"]);
      await assertSameReply(pair, "bad version", (rpc) => rpc.call("handshake", 1, { Version: 2 }, 1));
      await assertSameReply(pair, "handshake twice", after("handshake", { Version: 1 }, 1));
      await assertSameReply(pair, "unknown command", async (rpc) => {
        await rpc.open();
        const first = await rpc.call("bogus", 3, undefined, 1);
        return [first, await rpc.read(1)];
      });
      await assertSameReply(pair, "auth when none is set", after("auth", { AuthKey: "x" }, 1));

      // Joins: go-multierror lists with Go's dial errors.
      assert.equal(
        await joinError(pair, ["127.0.0.1:1"]),
        "1 error occurred:\n\t* Failed to join 127.0.0.1: dial tcp 127.0.0.1:1: connect: connection refused\n\n",
      );
      assert.match(
        await joinError(pair, ["127.0.0.1:1", "127.0.0.1:2", "[::1]:3"]),
        /^3 errors occurred:\n\t\* /,
      );
      await joinError(pair, ["127.0.0.1:x"]);
      await joinError(pair, ["127.0.0.1:99999"]);
      for (
        const odd of ["x/127.0.0.1:1", "/127.0.0.1:1", "x/127.0.0.1:x", "", ":1", "x/localhost:1", "a:b:c"]
      ) {
        await joinError(pair, [odd]);
      }
      assert.equal(await joinError(pair, []), "");
      // An RPC port reads the push/pull as a bad request and hangs up before answering.
      assert.equal(
        await joinError(pair, [pair.real.rpc]),
        "1 error occurred:\n\t* Failed to join 127.0.0.1: EOF\n\n",
      );

      // A name that does not resolve: the same text up to the DNS server Go names (see the header).
      const lookups: string[] = [];
      for (const addr of [pair.real.rpc, pair.ours.rpc]) {
        await using rpc = await RawRpc.connect(addr);
        lookups.push(errorOf(await after("join", { Existing: ["nosuch.invalid:1"], Replay: false }, 2)(rpc)));
      }
      const withoutServer = (s: string) => s.replace(/ on [\d.:[\]a-f]+: no such host/, ": no such host");
      assert.equal(lookups[1], withoutServer(lookups[0]!));
      assert.equal(
        lookups[1],
        "1 error occurred:\n\t* Failed to resolve nosuch.invalid:1: lookup nosuch.invalid: no such host\n\n",
      );

      // Serf-level refusals.
      await assertSameReply(
        pair,
        "force-leave unknown",
        after("force-leave", { Node: "nobody", Prune: false }, 1),
      );
      await assertSameReply(
        pair,
        "force-leave prune",
        after("force-leave", { Node: "nobody", Prune: true }, 1),
      );
      const big = new Uint8Array(600);
      await assertSameReply(
        pair,
        "event over limit",
        after("event", { Name: "e", Payload: big, Coalesce: true }, 1),
      );
      await assertSameReply(
        pair,
        "event at limit",
        after("event", { Name: "e".repeat(600), Payload: new Uint8Array(), Coalesce: true }, 1),
      );
      const tags: Record<string, string> = { big: "x".repeat(600) };
      await assertSameReply(pair, "tags over limit", after("tags", { Tags: tags, DeleteTags: [] }, 1));
      const query = (name: string, payload: Uint8Array) => ({
        FilterNodes: [],
        FilterTags: {},
        RequestAck: false,
        RelayFactor: 0,
        Timeout: 200_000_000,
        Name: name,
        Payload: payload,
      });
      await assertSameReply(
        pair,
        "query _serf_ prefix",
        after("query", query("_serf_x", new Uint8Array()), 1),
      );
      await assertSameReply(pair, "query too large", after("query", query("q", new Uint8Array(1100)), 1));
      await assertSameReply(
        pair,
        "respond unknown id",
        after("respond", { ID: 12345, Payload: new Uint8Array() }, 1),
      );

      // Responding to a query: too large, then twice.
      const responds: string[][] = [];
      for (const addr of [pair.real.rpc, pair.ours.rpc]) {
        await using listener = await RawRpc.connect(addr);
        await using asker = await RawRpc.connect(addr);
        await listener.open();
        await asker.open();
        assert.equal(errorOf(await listener.call("stream", 1, { Type: "query" }, 1)), "");
        const asked = await asker.call("query", 2, {
          ...query("q", new Uint8Array()),
          Timeout: 5_000_000_000,
        }, 1);
        assert.equal(errorOf(asked), "");
        const event = await listener.read(2);
        assert.notEqual(event, "closed");
        const id = (event as [unknown, { ID: number }])[1].ID;
        const errors = [];
        for (const payload of [new Uint8Array(1100), new Uint8Array(1), new Uint8Array(1)]) {
          errors.push(errorOf(await listener.call("respond", 3, { ID: id, Payload: payload }, 1)));
        }
        responds.push(errors);
      }
      assert.deepEqual(responds[1], responds[0]);
      const refused = "failed to respond to key query";
      assert.deepEqual(responds[0], [
        `${refused}: response exceeds limit of 1024 bytes`,
        "",
        `${refused}: response already sent`,
      ]);

      // Streams.
      await assertSameReply(pair, "monitor bad level", after("monitor", { LogLevel: "bogus" }, 1));
      await assertSameReply(pair, "stream bad filter", after("stream", { Type: "user:x:y" }, 1));
      // A user event nobody sends: member events (the agent's own join arrives coalesced, seconds late) would
      // interleave records with the replies.
      await assertSameReply(pair, "stream twice", async (rpc) => {
        await rpc.open();
        await rpc.call("stream", 5, { Type: "user:never-sent" }, 1);
        return await rpc.call("stream", 5, { Type: "user:never-sent" }, 1);
      });
      await assertSameReply(pair, "monitor twice", async (rpc) => {
        await rpc.open();
        await rpc.send("monitor", 5, { LogLevel: "err" });
        await rpc.read(1);
        // The first monitor streams the agent's recent ERR lines meanwhile; skip them.
        await rpc.send("monitor", 6, { LogLevel: "err" });
        return await rpc.readHeader(6);
      });
      await assertSameReply(pair, "stop unknown stream", after("stop", { Stop: 999 }, 1));

      // Keys without a keyring: per-node messages and the summary error.
      for (const command of ["install-key", "use-key", "remove-key"]) {
        await assertSameReply(pair, `${command} without keyring`, after(command, { Key: KEY }, 2));
      }
      await assertSameReply(pair, "list-keys without keyring", after("list-keys", undefined, 2));
      await assertSameReply(pair, "install-key bad base64", after("install-key", { Key: "abc" }, 2));
      await assertSameReply(pair, "get-coordinate unknown", after("get-coordinate", { Node: "nobody" }, 2));

      // Deliberate difference: a bad member filter (see the header).
      for (const addr of [pair.real.rpc, pair.ours.rpc]) {
        await using rpc = await RawRpc.connect(addr);
        const reply = await after("members-filtered", { Tags: {}, Status: "", Name: "[" }, 2)(rpc);
        if (addr === pair.real.rpc) assert.equal(reply, "closed");
        else assert.match(errorOf(reply), /^Failed to compile regex: /);
      }
    });
  },
});

Deno.test({
  name: "RPC errors match serf with rpc_auth and an encrypted keyring",
  ignore,
  async fn() {
    await withAgentPair(serf!, { encryptKey: KEY, authKey: TOKEN }, async (pair) => {
      await assertSameReply(pair, "command before auth", async (rpc) => {
        await rpc.open();
        const first = await rpc.call("members", 2, undefined, 1);
        return [first, await rpc.call("stats", 3, undefined, 1)];
      });
      await assertSameReply(pair, "wrong token", after("auth", { AuthKey: "wrong" }, 1));
      await assertSameReply(pair, "stats after auth", async (rpc) => {
        await rpc.open(TOKEN);
        return errorOf(await rpc.call("stats", 3, undefined, 2));
      });

      const key = (command: string, k: string) => after(command, { Key: k }, 2, TOKEN);
      await assertSameReply(pair, "remove primary key", key("remove-key", KEY));
      await assertSameReply(pair, "use unknown key", key("use-key", OTHER_KEY));
      await assertSameReply(pair, "install short key", key("install-key", "AAAA"));
      await assertSameReply(pair, "install bad base64", key("install-key", "not*base64"));
      await assertSameReply(pair, "remove unknown key", key("remove-key", OTHER_KEY));
      // Last: both agents leave and shut down, answering first.
      await assertSameReply(pair, "leave", after("leave", undefined, 1, TOKEN));
    });
  },
});

Deno.test({
  name: "RPC key errors match serf when the keyring file cannot be written",
  ignore,
  async fn() {
    await withAgentPair(serf!, { encryptKey: KEY, keyringFile: true }, async (pair) => {
      // A directory where the file was: both agents fail to save the new key (as root, permissions would not).
      for (const file of [pair.real.keyringFile!, pair.ours.keyringFile!]) {
        await Deno.remove(file);
        await Deno.mkdir(file);
      }
      const replies: unknown[] = [];
      for (const addr of [pair.real.rpc, pair.ours.rpc]) {
        await using rpc = await RawRpc.connect(addr);
        replies.push(plain(await after("install-key", { Key: OTHER_KEY }, 2)(rpc)));
      }
      const sameDir = (v: unknown) =>
        JSON.stringify(v).replace(/\/(real|ours)\/keyring/g, "/<agent>/keyring");
      assert.equal(sameDir(replies[1]), sameDir(replies[0]));
      assert.match(
        JSON.stringify(replies[1]),
        /Failed to write keyring file: open [^"]+\/ours\/keyring: is a directory/,
      );
    });
  },
});
