/**
 * Memberlist.join reports every address it could not use as memberlist does:
 * a go-multierror list of `Failed to resolve ...` and `Failed to join ...`
 * lines (Serf relays the text to RPC clients unchanged).
 */
import assert from "node:assert/strict";
import { defaultLocalConfig } from "../../lib/memberlist/config.ts";
import { Memberlist } from "../../lib/memberlist/memberlist.ts";
import { MemoryNetwork } from "../../lib/transport/memory.ts";
import { VirtualClock } from "../../lib/util/clock.ts";
import { Logger } from "../../lib/util/log.ts";
import { MultiError } from "../../lib/util/multi_error.ts";
import { SeededRandom } from "../../lib/util/random.ts";

Deno.test("Memberlist.join lists each failed address in memberlist's words when none answers", async () => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
  const transport = network.listen({ host: "10.0.0.1", port: 7946 });
  const node = Memberlist.create({
    ...defaultLocalConfig(),
    name: "a",
    bindAddr: "10.0.0.1",
    transport,
    clock,
  });
  try {
    const joining = node.join(["10.0.0.2", "x/10.0.0.3:7000", "/10.0.0.4", "10.0.0.5:port", "no.such.name"])
      .catch((err: unknown) => err);
    await clock.advance(60_000);
    const err = await joining;
    assert.ok(err instanceof MultiError, String(err));
    assert.equal(
      err.message,
      "5 errors occurred:\n" +
        "\t* Failed to join 10.0.0.2: dial tcp 10.0.0.2:7946: connect: connection refused\n" +
        "\t* Failed to join 10.0.0.3: dial tcp 10.0.0.3:7000: connect: connection refused\n" +
        "\t* Failed to resolve /10.0.0.4: empty node name provided\n" +
        '\t* Failed to resolve 10.0.0.5:port: strconv.ParseUint: parsing "port": invalid syntax\n' +
        "\t* Failed to resolve no.such.name: lookup no.such.name: no such host\n\n",
    );
    assert.equal(await node.join([]), 0, "an empty list is no error");
  } finally {
    await node.shutdown();
  }
});

Deno.test("A join and an anti-entropy round leave memberlist's debug lines on both ends", async () => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng: new SeededRandom(2) });
  const lines: string[] = [];
  const nodes = ["a", "b"].map((name, i) => {
    const host = `10.0.0.${i + 1}`;
    return Memberlist.create({
      ...defaultLocalConfig(),
      name,
      bindAddr: host,
      transport: network.listen({ host, port: 7946 }),
      clock,
      logger: new Logger({ sink: (l) => lines.push(`${name} ${l}`), level: "DEBUG", now: () => 0 }),
    });
  });
  try {
    const joined = nodes[1]!.join(["a/10.0.0.1"]);
    await clock.advance(1_000);
    assert.equal(await joined, 1);
    const has = (re: RegExp) =>
      assert.ok(lines.some((l) => re.test(l)), `${re} not in:\n${lines.join("\n")}`);
    has(/^b .*\[DEBUG\] memberlist: Initiating push\/pull sync with: a 10\.0\.0\.1:7946$/);
    has(/^a .*\[DEBUG\] memberlist: Stream connection from=10\.0\.0\.2:\d+$/);
    // The periodic exchange names the peer it picked.
    lines.length = 0;
    await clock.advance(2 * defaultLocalConfig().pushPullIntervalMs);
    has(/^([ab]) .*\[DEBUG\] memberlist: Initiating push\/pull sync with: (?!\1)[ab] 10\.0\.0\.[12]:7946$/);
  } finally {
    await Promise.all(nodes.map((n) => n.shutdown()));
  }
});
