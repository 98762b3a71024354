/**
 * Run under Bun by unix_dial_test.ts: dials the sockets named on the command
 * line through the node-compatible platform (Bun's) and prints one JSON line
 * saying which dials worked. Sends `bun <type>` over each connection that opens.
 */
import { nodeCompatPlatform } from "../../lib/platform/node_compat.ts";

const [gram, stream, missing] = process.argv.slice(2) as [string, string, string];
const platform = nodeCompatPlatform("bun");
const result: Record<string, string> = {};
for (
  const [name, path, type] of [
    ["gram-as-gram", gram, "unixgram"],
    ["stream-as-gram", stream, "unixgram"],
    ["gram-as-stream", gram, "unix"],
    ["stream-as-stream", stream, "unix"],
    ["missing-as-gram", missing, "unixgram"],
    ["missing-as-stream", missing, "unix"],
  ] as const
) {
  try {
    const s = await platform.dialUnix(path, type);
    await s.send(new TextEncoder().encode(`bun ${type}\n`));
    s.close();
    result[name] = "ok";
  } catch (err) {
    result[name] = (err as { code?: string }).code ?? "error";
  }
}
console.log(JSON.stringify({ pid: platform.pid() === process.pid, result }));
