/**
 * Run with `bun run tests/memberlist/bun_cluster_smoke.ts`: a 3-node memberlist
 * cluster on Bun's sockets, encrypted, on loopback. Exits 0 when it works.
 */
import process from "node:process";
import { runLoopbackCluster } from "./_loopback_cluster.ts";

const watchdog = setTimeout(() => {
  console.error("bun cluster smoke: timed out");
  process.exit(2);
}, 60_000);
const r = await runLoopbackCluster(true);
clearTimeout(watchdog);
if (r.converged && r.sawLeft && r.sawDead) {
  console.log("bun cluster smoke: ok");
  process.exit(0);
}
console.error(`bun cluster smoke: failed ${JSON.stringify({ ...r, logs: undefined })}`);
console.error(r.logs.slice(-40).join("\n"));
process.exit(1);
