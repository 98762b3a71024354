/**
 * `Serf.create` with no transport listens on `bindAddr:bindPort` itself and
 * takes the host name as the node name when none is given, as Serf does.
 */
import assert from "node:assert/strict";
import { hostName } from "../../lib/platform/host_name.ts";
import { Logger } from "../../lib/util/log.ts";
import { Serf } from "../../lib/serf/serf.ts";

const quiet = () => new Logger({ sink: () => {}, level: "ERR" });

Deno.test("Serf.create: binds bindAddr:bindPort itself and defaults the name to the host name", async () => {
  const a = await Serf.create({ memberlist: { bindAddr: "127.0.0.1", bindPort: 0, logger: quiet() } });
  const b = await Serf.create({
    nodeName: "b",
    memberlist: { bindAddr: "127.0.0.1", bindPort: 0, logger: quiet() },
  });
  try {
    assert.equal(a.localMember().name, hostName());
    const port = a.memberlist.advertiseAddress.port;
    assert.ok(port > 0, "a free port was picked and advertised");
    assert.equal(await b.join([`127.0.0.1:${port}`], true), 1);
    assert.deepEqual(a.allMembers().map((m) => m.name).sort(), ["b", hostName()].sort());
  } finally {
    await b.shutdown();
    await a.shutdown();
  }
});

Deno.test("Serf.create: a port already in use is refused and nothing stays open", async () => {
  const a = await Serf.create({
    nodeName: "a",
    memberlist: { bindAddr: "127.0.0.1", bindPort: 0, logger: quiet() },
  });
  try {
    const port = a.memberlist.advertiseAddress.port;
    await assert.rejects(
      Serf.create({ nodeName: "b", memberlist: { bindAddr: "127.0.0.1", bindPort: port, logger: quiet() } }),
    );
  } finally {
    await a.shutdown();
  }
});
