/**
 * Go duration strings, now in lib/util/duration.ts so the HTTP API (below the
 * agent) can read a query's `Timeout` too; re-exported here for the agent's
 * existing importers.
 *
 * @module
 */
export { formatGoDuration, parseGoDuration } from "../util/duration.ts";
