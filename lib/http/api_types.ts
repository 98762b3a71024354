/**
 * The JSON shapes of the HTTP API that both ends read: the agent writes them
 * (lib/http/records.ts) and the dashboard's browser code parses them. They live
 * here, free of imports and of DOM or runtime types, so the server and the page
 * share one definition and neither pulls the other's world into its type check.
 * Field names follow Serf's RPC spelling, hence the capitals.
 *
 * @module
 */

/** One member as `GET /v1/members` and member events carry it (the RPC `members` record). */
export interface ApiMember {
  Name: string;
  /** IP literal. */
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  /** "alive", "leaving", "left", "failed" or "none". */
  Status: string;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

/** A Vivaldi coordinate with Serf's field names; every length is in seconds. */
export interface ApiCoordinate {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

/** One entry of `GET /v1/coordinates`. */
export interface ApiNodeCoordinate {
  Node: string;
  Coord: ApiCoordinate;
}
