/**
 * Picks the {@linkcode Platform} for the running runtime.
 *
 * @module
 */
import type { Platform } from "./platform.ts";

/** Returns Deno's platform under Deno, else the node-compatible one (Bun). */
export async function detectPlatform(): Promise<Platform> {
  const g = globalThis as { Deno?: unknown; Bun?: { version: string } };
  if (g.Deno) return (await import("./deno.ts")).denoPlatform();
  const { nodeCompatPlatform } = await import("./node_compat.ts");
  return nodeCompatPlatform(g.Bun ? `bun ${g.Bun.version}` : "node-compatible");
}
