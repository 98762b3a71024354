/**
 * Floods on real agents: one agent of a two-agent cluster takes user events
 * as fast as its RPC port accepts them (up to 5,000 a second) and, at the
 * same time, 5,000 a second of raw memberlist user messages from a "peer",
 * until its queue-depth check (every 30 s, as Serf's) warns and prunes. It
 * must keep answering `members` throughout, bring its event queue back under
 * the limit, stay within a memory bound and keep its cluster. Speed is
 * measured by scripts/bench/flood.ts, not here.
 */
import assert from "node:assert/strict";
import { RpcClient } from "../../lib/rpc/client.ts";
import { encodeSerfMessage } from "../../lib/serf/messages.ts";
import { freePort, waitFor } from "../interop/_serf.ts";
import { type AgentProcess, startAgentProcess } from "../interop/_serfts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Serf's default max_queue_depth. */
const MAX_QUEUE_DEPTH = 4096;
/** How long the flood may last at most: past one 30 s queue check wherever it falls. */
const FLOOD_BOUND_MS = 50_000;
/** No `members` call may take longer: a stuck agent, not a slow one. */
const RESPONSIVE_MS = 5_000;
/** Resident memory the flooded agent may reach; queues pruned every 30 s keep it far below. */
const RSS_BOUND_MB = 768;

function rssMb(pid: number): Promise<number> {
  return new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)], stdout: "piped" }).output()
    .then((o) => Number(new TextDecoder().decode(o.stdout).trim()) / 1024);
}

async function connect(agent: AgentProcess): Promise<RpcClient> {
  let c: RpcClient | undefined;
  const ok = await waitFor(async () => {
    c = await RpcClient.connect(agent.rpcAddr, { timeoutMs: RESPONSIVE_MS }).catch(() => undefined);
    return c !== undefined;
  }, 30_000);
  assert.ok(ok && c, agent.output());
  return c;
}

/** Sends RPC user events, at most 500 in flight, until `stop`; returns how many were accepted. */
async function rpcFlood(client: RpcClient, stop: () => boolean): Promise<number> {
  let accepted = 0;
  let inFlight = 0;
  const payload = new TextEncoder().encode("rpc-flood");
  const started = performance.now();
  for (let tick = 0; !stop(); tick++) {
    for (let i = 0; i < 50 && inFlight < 500; i++) {
      inFlight++;
      client.userEvent(`flood-${i % 5}`, payload, false).then(() => accepted++, () => {}).finally(() =>
        inFlight--
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + (tick + 1) * 10 - performance.now())));
  }
  await waitFor(() => inFlight === 0, 30_000);
  return accepted;
}

/** Sends raw memberlist user messages (Serf user events, rising clocks) until `stop`; returns packets sent. */
async function peerFlood(port: number, stop: () => boolean): Promise<number> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  const payload = new TextEncoder().encode("peer-flood");
  let sent = 0;
  const started = performance.now();
  try {
    for (let tick = 0; !stop(); tick++) {
      for (let i = 0; i < 50; i++) {
        const msg = encodeSerfMessage({
          type: "userEvent",
          lTime: 100 + sent,
          name: "peer",
          payload,
          cc: false,
        });
        await socket.send(Uint8Array.of(8, ...msg), to); // 8: memberlist's user message
        sent++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + (tick + 1) * 10 - performance.now())));
    }
  } finally {
    socket.close();
  }
  return sent;
}

Deno.test({
  name: "Flooded agent warns, prunes its event queue, stays within memory and keeps answering members",
  ...opts,
  async fn() {
    const aPort = freePort();
    // Warnings only: at INFO every event is a log line, and the test reads the output as it grows.
    const a = startAgentProcess(["-node=flood-a", `-bind=127.0.0.1:${aPort}`, "-log-level=warn"]);
    const b = startAgentProcess(["-node=flood-b", `-bind=127.0.0.1:${freePort()}`]);
    try {
      const flooder = await connect(a);
      const probe = await connect(a);
      const cb = await connect(b);
      await cb.join([`127.0.0.1:${aPort}`]);
      assert.ok(await waitFor(async () => (await probe.members()).length === 2, 20_000));
      const rssBefore = await rssMb(a.child.pid);

      const deadline = performance.now() + FLOOD_BOUND_MS;
      const pruned = () =>
        /Event queue depth \(\d+\) exceeds limit \(4096\), dropping messages!/.test(a.output());
      const stop = () => pruned() || performance.now() > deadline;
      const latencies: number[] = [];
      let rssPeak = rssBefore;
      const prober = (async () => {
        while (!stop()) {
          const t = performance.now();
          await probe.members(); // throws on a timeout: the test fails
          latencies.push(performance.now() - t);
          rssPeak = Math.max(rssPeak, await rssMb(a.child.pid));
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      const [accepted, sent] = await Promise.all([rpcFlood(flooder, stop), peerFlood(aPort, stop), prober]);
      console.log(
        `flood: ${accepted} RPC events accepted, ${sent} peer packets sent; members max ` +
          `${Math.round(Math.max(...latencies))} ms over ${latencies.length} calls; RSS ${
            Math.round(rssBefore)
          } -> ` +
          `peak ${Math.round(rssPeak)} MB`,
      );

      assert.ok(pruned(), "the queue-depth check pruned the event queue within the bound");
      assert.match(a.output(), /\[WARN\] serf: Event queue depth: \d+/, "and warned first");
      assert.ok(latencies.length >= 3, "members was answered throughout the flood");
      assert.ok(rssPeak < RSS_BOUND_MB, `resident memory stayed bounded: peak ${rssPeak} MB`);
      // The next check (at most 30 s on) prunes what piled up after the last; the flood is over by then.
      assert.ok(
        await waitFor(
          async () => Number((await probe.stats()).serf?.event_queue) <= MAX_QUEUE_DEPTH,
          35_000,
        ),
        "the event queue is back under max_queue_depth",
      );
      const members = await probe.members();
      assert.deepEqual(members.map((m) => `${m.name} ${m.status}`).sort(), [
        "flood-a alive",
        "flood-b alive",
      ]);
      for (const c of [flooder, probe, cb]) c.close();
    } finally {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
    }
  },
});
