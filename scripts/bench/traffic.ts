/**
 * Bytes a group of agents sends, counted by the kernel with nftables on the
 * loopback output path, the same way for serf and serfts. Table `inet
 * serfts_bench_<pid>` holds a set of the agents' bind ports and two counting rules:
 * packets whose source port is an agent's (all gossip and probe UDP, and the
 * answering side of TCP push/pull), plus packets to an agent's port from a
 * port that is not one (the dialing side of TCP, from an ephemeral port).
 * Each packet is counted once, with its IP header. RPC ports are not in the
 * set, so the bench's own RPC traffic is not counted.
 */

// One table per bench process: runs by other people on the same machine (or CI's smoke test) must not
// delete or reset each other's counters.
const TABLE = `serfts_bench_${Deno.pid}`;

/** The nftables table this process counts with (`inet <name>`). */
export function trafficTableName(): string {
  return TABLE;
}

async function nft(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command("nft", { args, stdout: "piped", stderr: "piped" }).output();
    return { ok: r.success, out: new TextDecoder().decode(r.success ? r.stdout : r.stderr) };
  } catch (err) {
    return { ok: false, out: String(err) };
  }
}

/** Live counters for a set of ports; `close()` deletes the table. */
export interface TrafficCounter {
  /** Total bytes counted since `open`. */
  read(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Creates the table counting traffic of `ports`.
 * @returns undefined (after saying why once) when nftables is not usable here
 */
export async function openTrafficCounter(ports: number[]): Promise<TrafficCounter | undefined> {
  await nft(["delete", "table", "inet", TABLE]);
  const script = [
    `add table inet ${TABLE}`,
    `add chain inet ${TABLE} out { type filter hook output priority 0 ; policy accept ; }`,
    `add set inet ${TABLE} ports { type inet_service ; elements = { ${ports.join(", ")} } ; }`,
    `add rule inet ${TABLE} out meta l4proto { tcp, udp } th sport @ports counter`,
    `add rule inet ${TABLE} out meta l4proto { tcp, udp } th dport @ports th sport != @ports counter`,
  ].join("\n");
  const file = await Deno.makeTempFile({ suffix: ".nft" });
  try {
    await Deno.writeTextFile(file, script + "\n");
    const r = await nft(["-f", file]);
    if (!r.ok) {
      warnOnce(`nftables unavailable (${r.out.trim().split("\n")[0]}); bytes sent are reported as n/a`);
      await nft(["delete", "table", "inet", TABLE]);
      return undefined;
    }
  } finally {
    await Deno.remove(file).catch(() => {});
  }
  return {
    async read() {
      const r = await nft(["-j", "list", "chain", "inet", TABLE, "out"]);
      if (!r.ok) return NaN;
      let bytes = 0;
      for (const item of JSON.parse(r.out).nftables ?? []) {
        for (const expr of item.rule?.expr ?? []) {
          if (expr.counter) bytes += Number(expr.counter.bytes);
        }
      }
      return bytes;
    },
    async close() {
      await nft(["delete", "table", "inet", TABLE]);
    },
  };
}

/** Deletes the table if a run left it behind (an interrupted run). */
export async function deleteTrafficTable(): Promise<void> {
  await nft(["delete", "table", "inet", TABLE]);
}

let warned = false;
function warnOnce(message: string): void {
  if (!warned) console.log(`bench: ${message}`);
  warned = true;
}
