/**
 * `serfts agent` against `serf agent` as processes: the same bad flags and
 * config files give the same output and exit code; a good start prints the
 * same banner; SIGINT leaves gracefully and exits 0, SIGTERM exits 1 without
 * leaving. Ignored when serf is not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findSerf, freePort } from "../interop/_serf.ts";
import { waitUntil } from "./_records.ts";

const serf = findSerf();
const cli = new URL("../../cli.ts", import.meta.url).pathname;
const dec = new TextDecoder();

interface Proc {
  output(): string;
  status: Promise<Deno.CommandStatus>;
  kill(signal: Deno.Signal): void;
  done: Promise<void>;
}

function spawn(which: "serf" | "serfts", args: string[]): Proc {
  const [cmd, pre] = which === "serf" ? [serf!, ["agent"]] : [Deno.execPath(), ["run", "-A", cli, "agent"]];
  const child = new Deno.Command(cmd, { args: [...pre, ...args], stdout: "piped", stderr: "piped" }).spawn();
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  return {
    output: () => out,
    status: child.status,
    kill: (s) => {
      try {
        child.kill(s);
      } catch {
        // exited
      }
    },
    done: pumps.then(() => {}),
  };
}

/** Runs to completion (bounded); returns exit code and output. */
async function run(which: "serf" | "serfts", args: string[]): Promise<{ code: number; out: string }> {
  const p = spawn(which, args);
  const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
  const { code } = await p.status;
  clearTimeout(timer);
  await p.done;
  return { code, out: p.output() };
}

Deno.test({
  name: "serfts agent rejects bad flags and config exactly like serf agent",
  ignore: !serf,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(join(dir, "unknown.json"), '{"bogus": 1, "node_name": "x"}');
      await Deno.writeTextFile(join(dir, "type.json"), '{"protocol": "x"}');
      await Deno.writeTextFile(join(dir, "dur.json"), '{"reconnect_interval": "5"}');
      const cases: string[][] = [
        ["-profile=x"],
        ["-encrypt=abc"],
        ["-encrypt=YWJj"],
        ["-event-handler=foo=bar.sh"],
        ["-retry-interval=xx"],
        ["-broadcast-timeout=1"],
        [`-config-file=${join(dir, "unknown.json")}`],
        [`-config-file=${join(dir, "type.json")}`],
        [`-config-dir=${dir}`],
        [`-config-file=${join(dir, "missing.json")}`],
        ["-log-level=foo"],
        ["-tag", "foo"],
        ["-protocol=9"],
        [`-keyring-file=${join(dir, "nokeys.json")}`],
        ["-encrypt=5K9OtfFHVgxBPxRcsvCqMQ==", `-keyring-file=${join(dir, "unknown.json")}`],
        ["-bind=::1"],
        ["-iface=nosuchif0"],
      ];
      for (const extra of cases) {
        const common = ["-node=n", `-rpc-addr=127.0.0.1:${freePort()}`];
        const real = await run("serf", [...common, `-bind=127.0.0.1:${freePort()}`, ...extra]);
        const ours = await run("serfts", [...common, "-bind=127.0.0.1:0", ...extra]);
        assert.equal(ours.out, real.out, extra.join(" "));
        assert.equal(ours.code, real.code, extra.join(" "));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The banner, with the node-specific address normalised. */
function banner(out: string): string {
  const end = out.indexOf("==> Log data will now stream in as it occurs:");
  return out.slice(0, end).replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
}

Deno.test({
  name: "serfts agent prints serf agent's banner, leaves on SIGINT (exit 0), exits 1 on SIGTERM",
  ignore: !serf,
  async fn() {
    const start = (which: "serf" | "serfts") =>
      spawn(which, [
        "-node=n",
        `-bind=127.0.0.1:${freePort()}`,
        `-rpc-addr=127.0.0.1:${freePort()}`,
        "-role=web",
        "-retry-interval=10ms",
        "-advertise=127.0.0.1:7000",
      ]);
    const ready = (p: Proc) => waitUntil(() => p.output().includes("Received event: member-join"), 20_000);
    const real = start("serf");
    const ours = start("serfts");
    try {
      assert.ok(await ready(real), real.output());
      assert.ok(await ready(ours), ours.output());
      assert.equal(banner(ours.output()), banner(real.output()));
      real.kill("SIGINT");
      ours.kill("SIGINT");
      assert.equal((await real.status).code, 0);
      assert.equal((await ours.status).code, 0);
      for (const p of [real, ours]) {
        await p.done;
        const o = p.output();
        for (
          const needle of [
            "==> Caught signal: interrupt",
            "==> Gracefully shutting down agent...",
            "[INFO] agent: requesting graceful leave from Serf",
            "[INFO] agent: shutdown complete",
          ]
        ) {
          assert.ok(o.includes(needle), `${needle} in\n${o}`);
        }
      }
    } finally {
      real.kill("SIGKILL");
      ours.kill("SIGKILL");
      await Promise.all([real.status, ours.status, real.done, ours.done]);
    }

    const term = start("serfts");
    try {
      assert.ok(await ready(term), term.output());
      term.kill("SIGTERM");
      assert.equal((await term.status).code, 1);
      await term.done;
      assert.ok(term.output().includes("==> Caught signal: terminated"));
      assert.ok(!term.output().includes("graceful leave"));
    } finally {
      term.kill("SIGKILL");
      await Promise.all([term.status, term.done]);
    }
  },
});
