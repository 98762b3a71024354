/**
 * The event handler every benchmark agent runs for user events and queries: a
 * shell script that appends one line per event (`<type> <name> <node>
 * <unix-ns>`) to the file named by $BENCH_RECORD, and answers queries with
 * "ok". Lines are far shorter than PIPE_BUF, so concurrent appends from many
 * handlers do not interleave.
 */

const SCRIPT = `#!/bin/sh
now=$(date +%s%N)
cat >/dev/null
echo "$SERF_EVENT \${SERF_USER_EVENT:-$SERF_QUERY_NAME} $SERF_SELF_NAME $now" >> "$BENCH_RECORD"
if [ "$SERF_EVENT" = "query" ]; then printf ok; fi
exit 0
`;

/** A handler script in `dir` and the record file it appends to. */
export interface RecordingHandler {
  /** Value for `-event-handler`. */
  flag: string;
  /** Environment the agents need (BENCH_RECORD). */
  env: Record<string, string>;
  /** Node -> arrival wall time in ms of the event or query called `name`. */
  arrivals(type: "user" | "query", name: string): Map<string, number>;
}

/** Writes the script into `dir` (which must exist) with an empty record file. */
export function recordingHandler(dir: string): RecordingHandler {
  const script = `${dir}/handler.sh`;
  const record = `${dir}/events.log`;
  Deno.writeTextFileSync(script, SCRIPT, { mode: 0o755 });
  Deno.writeTextFileSync(record, "");
  return {
    flag: `user,query=${script}`,
    env: { BENCH_RECORD: record },
    arrivals(type, name) {
      const seen = new Map<string, number>();
      for (const line of Deno.readTextFileSync(record).split("\n")) {
        const [t, n, node, ns] = line.split(" ");
        if (t !== type || n !== name || !node || !ns || seen.has(node)) continue;
        // Nanoseconds since the epoch exceed 2^53: split to keep sub-millisecond precision.
        seen.set(node, Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6);
      }
      return seen;
    },
  };
}
