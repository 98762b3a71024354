/**
 * What the dashboard knows about the cluster, kept apart from the DOM so it
 * can be tested without a browser: the member list (seeded by `/v1/members`,
 * then moved by `/v1/events`), the coordinates (polled from
 * `/v1/coordinates`) and the bounded event feed. Views read it and redraw only
 * what a change touched, which the version counters tell them.
 *
 * @module
 */
import type { ApiCoordinate, ApiEvent, ApiMember, ApiNodeCoordinate } from "./types.ts";
import { isApiNodeCoordinate, normalizeMember } from "./types.ts";
import { rttSeconds } from "./vivaldi.ts";

/** Defaults of {@linkcode DashboardState}. */
export const DEFAULT_STATE_OPTIONS: Readonly<StateOptions> = {
  maxFeedEntries: 200,
};

/** Options of {@linkcode DashboardState}. */
export interface StateOptions {
  /**
   * Feed entries kept, newest first; older ones fall off so a chatty cluster
   * cannot grow the page without bound.
   * @default {200}
   */
  maxFeedEntries: number;
}

/** One line of the event feed. */
export interface FeedEntry {
  /** Milliseconds since the epoch, when the page received it. */
  at: number;
  /** The event type: member-join, user, query, ... */
  kind: string;
  /** Member names, or the user event / query name. */
  subject: string;
  /** Payload text or member addresses; may be empty. */
  detail: string;
}

/** Which members the table shows and in what order. */
export interface TableView {
  /** Case-insensitive text matched against name, address, status and tags. */
  text: string;
  /** Exact status to keep, or "" for all. */
  status: string;
  sortKey: SortKey;
  ascending: boolean;
}

/** The member table's sortable columns. */
export type SortKey = "name" | "addr" | "status" | "tags" | "protocol" | "rtt";

/** A table row: a member and its estimated RTT from this node, in seconds. */
export interface MemberRow {
  member: ApiMember;
  rtt: number | undefined;
}

/**
 * The page's model of the cluster.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DashboardState } from "./state.ts";
 *
 * const s = new DashboardState();
 * const m = { Name: "a", Addr: "127.0.0.1", Port: 7946, Tags: {}, Status: "alive", ProtocolMin: 1,
 *   ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 };
 * s.setMembers([m]);
 * s.applyEvent({ Event: "member-failed", Members: [{ ...m, Status: "failed" }] });
 * assert.equal(s.members.get("a")?.Status, "failed");
 * assert.equal(s.feed[0]?.kind, "member-failed");
 * ```
 */
export class DashboardState {
  /** Members by name. */
  readonly members: Map<string, ApiMember> = new Map();
  /** Latest coordinates by node name. */
  readonly coordinates: Map<string, ApiCoordinate> = new Map();
  /** Newest first, at most `maxFeedEntries`. */
  readonly feed: FeedEntry[] = [];
  /** This agent's node name, once `/v1/stats` answered. */
  selfName = "";
  /** Bumped whenever `members` changes. */
  membersVersion = 0;
  /** Bumped whenever `coordinates` changes. */
  coordinatesVersion = 0;
  /** Bumped whenever `feed` changes. */
  feedVersion = 0;
  readonly #options: StateOptions;

  constructor(options: Partial<StateOptions> = {}) {
    this.#options = { ...DEFAULT_STATE_OPTIONS, ...options };
  }

  /** Replaces the member list (after the first load or a reconnect). */
  setMembers(members: readonly ApiMember[]): void {
    this.members.clear();
    for (const m of members) this.members.set(m.Name, normalizeMember(m));
    this.membersVersion++;
  }

  /**
   * Replaces the coordinates, skipping malformed entries. An answer equal to
   * the last one changes nothing, so an idle cluster costs no map redraws.
   */
  setCoordinates(entries: readonly unknown[]): void {
    const next = new Map<string, ApiCoordinate>();
    for (const e of entries) {
      if (isApiNodeCoordinate(e)) next.set(e.Node, (e as ApiNodeCoordinate).Coord);
    }
    if (sameCoordinates(this.coordinates, next)) return;
    this.coordinates.clear();
    for (const [name, c] of next) this.coordinates.set(name, c);
    this.coordinatesVersion++;
  }

  /** Applies one event from the stream to the members and the feed. */
  applyEvent(event: ApiEvent, at: number = Date.now()): void {
    if (event.Event === "user" || event.Event === "query") {
      this.#addFeed({ at, kind: event.Event, subject: event.Name, detail: event.Payload });
      return;
    }
    for (const m of event.Members) {
      if (event.Event === "member-reap") this.members.delete(m.Name);
      else this.members.set(m.Name, normalizeMember(m));
    }
    this.membersVersion++;
    this.#addFeed({
      at,
      kind: event.Event,
      subject: event.Members.map((m) => m.Name).join(", "),
      detail: event.Members.map((m) => `${m.Addr}:${m.Port}`).join(", "),
    });
  }

  /** Members per status, e.g. `{alive: 3, failed: 1}`. */
  statusCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.members.values()) counts.set(m.Status, (counts.get(m.Status) ?? 0) + 1);
    return counts;
  }

  /** Estimated RTT between two nodes in seconds, when both have coordinates. */
  rtt(from: string, to: string): number | undefined {
    const a = this.coordinates.get(from);
    const b = this.coordinates.get(to);
    return a && b ? rttSeconds(a, b) : undefined;
  }

  /** The member table's rows for `view`: filtered, then sorted (unknown RTTs last). */
  rows(view: TableView): MemberRow[] {
    const needle = view.text.trim().toLowerCase();
    const rows: MemberRow[] = [];
    for (const m of this.members.values()) {
      if (view.status !== "" && m.Status !== view.status) continue;
      if (needle !== "" && !searchText(m).includes(needle)) continue;
      rows.push({ member: m, rtt: this.selfName ? this.rtt(this.selfName, m.Name) : undefined });
    }
    const sign = view.ascending ? 1 : -1;
    rows.sort((a, b) => {
      // Unknown RTTs sort after every known one, whichever the direction.
      if (view.sortKey === "rtt" && (a.rtt === undefined) !== (b.rtt === undefined)) {
        return a.rtt === undefined ? 1 : -1;
      }
      const c = compareRows(a, b, view.sortKey);
      return c !== 0 ? sign * c : a.member.Name.localeCompare(b.member.Name);
    });
    return rows;
  }

  #addFeed(entry: FeedEntry): void {
    this.feed.unshift(entry);
    if (this.feed.length > this.#options.maxFeedEntries) this.feed.length = this.#options.maxFeedEntries;
    this.feedVersion++;
  }
}

function sameCoordinates(
  a: ReadonlyMap<string, ApiCoordinate>,
  b: ReadonlyMap<string, ApiCoordinate>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y || x.Error !== y.Error || x.Adjustment !== y.Adjustment || x.Height !== y.Height) return false;
    if (x.Vec.length !== y.Vec.length || x.Vec.some((v, i) => v !== y.Vec[i])) return false;
  }
  return true;
}

/** Tags as the table prints them: `k=v` pairs sorted by key, comma-separated. */
export function formatTags(tags: Record<string, string>): string {
  return Object.keys(tags).sort().map((k) => `${k}=${tags[k]}`).join(",");
}

function searchText(m: ApiMember): string {
  return `${m.Name} ${m.Addr}:${m.Port} ${m.Status} ${formatTags(m.Tags)}`.toLowerCase();
}

function compareRows(a: MemberRow, b: MemberRow, key: SortKey): number {
  switch (key) {
    case "name":
      return a.member.Name.localeCompare(b.member.Name);
    case "addr":
      return compareAddr(a.member, b.member);
    case "status":
      return a.member.Status.localeCompare(b.member.Status);
    case "tags":
      return formatTags(a.member.Tags).localeCompare(formatTags(b.member.Tags));
    case "protocol":
      return a.member.ProtocolCur - b.member.ProtocolCur;
    case "rtt":
      return a.rtt === undefined || b.rtt === undefined ? 0 : a.rtt - b.rtt;
  }
}

/** Numeric order for dotted IPv4 (so 10.0.0.9 < 10.0.0.10), text order otherwise, then port. */
function compareAddr(a: ApiMember, b: ApiMember): number {
  const pa = a.Addr.split(".").map(Number);
  const pb = b.Addr.split(".").map(Number);
  if (pa.length === 4 && pb.length === 4 && pa.every(Number.isInteger) && pb.every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  } else {
    const c = a.Addr.localeCompare(b.Addr);
    if (c !== 0) return c;
  }
  return a.Port - b.Port;
}
