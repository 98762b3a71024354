import assert from "node:assert/strict";
import { runLoopbackCluster } from "./_loopback_cluster.ts";

for (const encrypted of [false, true]) {
  Deno.test(`Memberlist on Deno loopback sockets: 3 nodes join, leave and fail (encrypted=${encrypted})`, async () => {
    const r = await runLoopbackCluster(encrypted);
    const tail = r.logs.join("\n");
    // CI keeps only the end of a failure's output: the join phase and the views go last.
    assert.ok(r.converged, `did not converge:\n${r.views.join("\n")}`);
    assert.ok(r.sawLeft, `leave not seen:\n${tail}`);
    assert.ok(r.sawDead, `failure not detected:\n${tail}`);
  });
}

const bunPath = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const haveBun = (() => {
  try {
    return Deno.statSync(bunPath).isFile;
  } catch {
    return false;
  }
})();
if (!haveBun) {
  console.warn(`loopback_test: SKIPPED Bun cluster smoke: no Bun at ${bunPath} (run npm install)`);
}

Deno.test({
  name: "Memberlist on Bun loopback sockets: 3-node cluster smoke test",
  ignore: !haveBun,
  async fn() {
    const script = new URL("./bun_cluster_smoke.ts", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(bunPath, {
      args: ["run", script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(90_000),
    }).output();
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, out);
    assert.match(out, /bun cluster smoke: ok/);
  },
});
