/**
 * Fuzz targets for the receive paths themselves: hostile packets and streams
 * sent to a live two-node cluster on the in-memory network, through the real
 * ingest (label, decryption, CRC, compound, compression, routing, Serf's
 * message handling, push/pull merge). After every case: nothing was logged as
 * a bug (`Bug:` from a TypeError/RangeError, or a delegate that `threw:`), and
 * the two nodes still see each other alive at the same incarnation.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultLanConfig } from "../../lib/memberlist/config.ts";
import { Memberlist } from "../../lib/memberlist/memberlist.ts";
import { MessageType } from "../../lib/memberlist/messages.ts";
import {
  addCrc,
  addLabelHeader,
  compressPayload,
  encodeMessage,
  encodePushPullHeader,
  makeCompoundMessage,
} from "../../lib/memberlist/wire.ts";
import { encodeSerfMessage } from "../../lib/serf/messages.ts";
import { Serf } from "../../lib/serf/serf.ts";
import { MemoryNetwork, type MemoryTransport } from "../../lib/transport/memory.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { SeededRandom } from "../../lib/util/random.ts";
import { corpus, goldenCorpus, hostileBytes } from "./arbitraries.ts";
import type { FuzzTarget } from "./target.ts";
import { bodyMessage } from "./targets_memberlist.ts";
import { serfMessage } from "./targets_serf.ts";

/** Log lines that mean a receive path hit a bug rather than bad input. */
const BUG_LINE = /Bug: |threw: /;

/** What the invariant compares: how each side sees the other. */
type View = string[];

interface Harness {
  clock: VirtualClock;
  attacker: MemoryTransport;
  target: { host: string; port: number };
  logs: string[];
  view(): View;
  close(): Promise<void>;
}

function logger(clock: VirtualClock, logs: string[]): Logger {
  return new Logger({
    level: "WARN",
    now: () => clock.now(),
    sink: (line) => {
      // Keep only what the invariant needs, so a long run does not hold every warning.
      if (BUG_LINE.test(line)) logs.push(line);
    },
  });
}

async function settle(clock: VirtualClock, p: Promise<unknown>): Promise<void> {
  let done = false;
  p.then(() => done = true, () => done = true);
  await clock.advanceUntil(() => done, 10_000, 10);
  await p;
}

async function memberlistHarness(seed: number): Promise<Harness> {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng: new SeededRandom(seed), defaultLatencyMs: 1 });
  const logs: string[] = [];
  const nodes = ["fz-a", "fz-b"].map((name, i) =>
    Memberlist.create({
      ...defaultLanConfig(),
      name,
      bindAddr: "127.0.0.1",
      bindPort: 7100 + i,
      transport: network.listen({ host: "127.0.0.1", port: 7100 + i }),
      clock,
      rng: new SeededRandom(seed + i),
      logger: logger(clock, logs),
    })
  );
  await settle(clock, nodes[1]!.join(["127.0.0.1:7100"]));
  const attacker = network.listen({ host: "127.0.0.9", port: 9999 });
  return {
    clock,
    attacker,
    target: { host: "127.0.0.1", port: 7100 },
    logs,
    view: () =>
      nodes.flatMap((n) =>
        n.allNodes().filter((x) => x.name.startsWith("fz-")).map((x) =>
          `${n.localNode().name}:${x.name}:${x.state}:${x.incarnation}`
        ).sort()
      ),
    close: async () => {
      await attacker.close();
      for (const n of nodes) await settle(clock, n.shutdown());
    },
  };
}

async function serfHarness(seed: number): Promise<Harness> {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng: new SeededRandom(seed), defaultLatencyMs: 1 });
  const logs: string[] = [];
  const serfs: Serf[] = [];
  for (const [i, name] of ["fz-a", "fz-b"].entries()) {
    const serf = await Serf.create({
      nodeName: name,
      memberlist: {
        ...defaultLanConfig(),
        bindAddr: "127.0.0.1",
        bindPort: 7200 + i,
        transport: network.listen({ host: "127.0.0.1", port: 7200 + i }),
        clock,
        rng: new SeededRandom(seed + i),
        logger: logger(clock, logs),
      },
    });
    // Drain events so the bounded event queue never backs up the node.
    (async () => {
      for await (const _ of serf.events) { /* discard */ }
    })();
    serfs.push(serf);
  }
  await settle(clock, serfs[1]!.join(["127.0.0.1:7200"], false));
  const attacker = network.listen({ host: "127.0.0.9", port: 9998 });
  return {
    clock,
    attacker,
    target: { host: "127.0.0.1", port: 7200 },
    logs,
    view: () =>
      serfs.flatMap((s, i) =>
        s.allMembers().filter((m) => m.name.startsWith("fz-")).map((m) => `${i}:${m.name}:${m.status}`).sort()
      ),
    close: async () => {
      await attacker.close();
      for (const s of serfs) await settle(clock, s.shutdown()).catch(() => {});
    },
  };
}

/** Sends `packets` and `streams` from the attacker, lets them be handled, and checks the invariant. */
async function attack(h: Harness, before: View, packets: Uint8Array[], streams: Uint8Array[]): Promise<void> {
  h.logs.length = 0;
  for (const p of packets) h.attacker.sendPacket(p, h.target);
  for (const bytes of streams) {
    const dial = h.attacker.dial(h.target, 1_000);
    await h.clock.advance(2);
    const s = await dial;
    await s.write(bytes);
    s.close();
  }
  await h.clock.advance(20);
  assert.deepEqual(h.logs, [], "a receive path logged a bug");
  assert.deepEqual(h.view(), before, "hostile input changed how the nodes see each other");
}

/** A lazily started harness shared by one target's properties, closed by `dispose`. */
function sharedHarness(start: () => Promise<Harness>) {
  let h: Promise<Harness> | undefined;
  return {
    get: () => h ??= start(),
    dispose: async () => {
      if (h) await (await h).close();
      h = undefined;
    },
  };
}

const memberlistWire = fc.oneof(
  bodyMessage.map(encodeMessage),
  corpus(goldenCorpus("memberlist.json")),
);
const wrapped = fc.oneof(
  memberlistWire,
  fc.array(memberlistWire, { maxLength: 4 }).map((p) => makeCompoundMessage(p)),
  memberlistWire.map(compressPayload),
  memberlistWire.map(addCrc),
  memberlistWire.map((m) => addLabelHeader(m, "x")),
);

const memberlistShared = sharedHarness(() => memberlistHarness(11));
const baseline = new WeakMap<Harness, View>();
async function harnessWithBaseline(shared: { get(): Promise<Harness> }): Promise<[Harness, View]> {
  const h = await shared.get();
  if (!baseline.has(h)) baseline.set(h, h.view());
  return [h, baseline.get(h)!];
}

/** Memberlist's UDP and TCP receive paths. */
export const memberlistReceive: FuzzTarget = {
  name: "memberlist/receive",
  weight: 1,
  properties: {
    "hostile packets are dropped without a bug and without changing the members": () =>
      fc.asyncProperty(fc.array(hostileBytes(wrapped), { minLength: 1, maxLength: 4 }), async (packets) => {
        const [h, before] = await harnessWithBaseline(memberlistShared);
        await attack(h, before, packets, []);
      }),
    "hostile streams are dropped without a bug and without changing the members": () =>
      fc.asyncProperty(
        hostileBytes(
          wrapped,
          fc.nat({ max: 3 }).map((n) =>
            Uint8Array.from([
              MessageType.pushPull,
              ...encodePushPullHeader({ nodes: n, userStateLen: 0, join: false }),
            ])
          ),
        ),
        async (stream) => {
          const [h, before] = await harnessWithBaseline(memberlistShared);
          await attack(h, before, [], [stream]);
        },
      ),
  },
  dispose: () => memberlistShared.dispose(),
};

const serfWire = fc.oneof(serfMessage.map(encodeSerfMessage), corpus(goldenCorpus("serf.json")));
const serfShared = sharedHarness(() => serfHarness(12));

/** Serf's message handling behind memberlist: user messages and push/pull user state. */
export const serfReceive: FuzzTarget = {
  name: "serf/receive",
  weight: 1,
  properties: {
    "hostile Serf messages are dropped without a bug and without changing the members": () =>
      fc.asyncProperty(
        fc.array(hostileBytes(serfWire), { minLength: 1, maxLength: 4 }),
        async (msgs) => {
          const [h, before] = await harnessWithBaseline(serfShared);
          const packets = msgs.map((m) => Uint8Array.from([MessageType.user, ...m]));
          await attack(h, before, packets, []);
        },
      ),
    "hostile push/pull user state is refused without a bug and without changing the members": () =>
      fc.asyncProperty(hostileBytes(serfWire), async (state) => {
        const [h, before] = await harnessWithBaseline(serfShared);
        const stream = Uint8Array.from([
          MessageType.pushPull,
          ...encodePushPullHeader({ nodes: 0, userStateLen: state.length, join: false }),
          ...state,
        ]);
        await attack(h, before, [], [stream]);
      }),
  },
  dispose: () => serfShared.dispose(),
};
