import assert from "node:assert/strict";
import { DashboardState, type TableView } from "../../../lib/http/dashboard/state.ts";
import { type ApiMember, parseApiEvent } from "../../../lib/http/dashboard/types.ts";

function member(name: string, addr: string, status = "alive", tags: Record<string, string> = {}): ApiMember {
  return {
    Name: name,
    Addr: addr,
    Port: 7946,
    Tags: tags,
    Status: status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

function coord(x: number) {
  return { Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 0.0001 };
}

const view = (v: Partial<TableView> = {}): TableView => ({
  text: "",
  status: "",
  sortKey: "name",
  ascending: true,
  ...v,
});

function clusterState(): DashboardState {
  const s = new DashboardState();
  s.selfName = "web-1";
  s.setMembers([
    member("web-1", "10.0.0.10", "alive", { role: "web" }),
    member("web-2", "10.0.0.9", "failed", { role: "web" }),
    member("db-1", "10.0.1.1", "alive", { role: "db" }),
    member("cache", "10.0.0.200", "left"),
  ]);
  s.setCoordinates([
    { Node: "web-1", Coord: coord(0) },
    { Node: "web-2", Coord: coord(0.002) },
    { Node: "db-1", Coord: coord(0.010) },
    { Node: "bogus", Coord: { Vec: [NaN], Error: 0, Adjustment: 0, Height: 0 } },
  ]);
  return s;
}

const names = (s: DashboardState, v: TableView) => s.rows(v).map((r) => r.member.Name);

Deno.test("DashboardState.rows filters by status and by text over name, address and tags", () => {
  const s = clusterState();
  assert.deepEqual(names(s, view({ status: "alive" })), ["db-1", "web-1"]);
  assert.deepEqual(names(s, view({ text: "ROLE=WEB" })), ["web-1", "web-2"]);
  assert.deepEqual(names(s, view({ text: "10.0.1." })), ["db-1"]);
});

Deno.test("DashboardState.rows sorts addresses numerically and puts unknown RTTs last either way", () => {
  const s = clusterState();
  assert.deepEqual(names(s, view({ sortKey: "addr" })), ["web-2", "web-1", "cache", "db-1"]);
  assert.deepEqual(names(s, view({ sortKey: "rtt" })), ["web-1", "web-2", "db-1", "cache"]);
  assert.deepEqual(names(s, view({ sortKey: "rtt", ascending: false })), ["db-1", "web-2", "web-1", "cache"]);
});

Deno.test("DashboardState skips malformed coordinates and computes RTT from this node", () => {
  const s = clusterState();
  assert.equal(s.coordinates.has("bogus"), false);
  const row = s.rows(view()).find((r) => r.member.Name === "db-1")!;
  assert.ok(Math.abs(row.rtt! - 0.0102) < 1e-12);
  assert.equal(s.rows(view()).find((r) => r.member.Name === "cache")!.rtt, undefined);
});

Deno.test("DashboardState applies member events and reaps, and counts members by status", () => {
  const s = clusterState();
  const before = s.membersVersion;
  s.applyEvent({ Event: "member-failed", Members: [member("db-1", "10.0.1.1", "failed")] });
  s.applyEvent({ Event: "member-join", Members: [member("new", "10.0.2.1")] });
  s.applyEvent({ Event: "member-reap", Members: [member("cache", "10.0.0.200", "left")] });
  assert.equal(s.membersVersion, before + 3);
  assert.deepEqual(Object.fromEntries(s.statusCounts()), { alive: 2, failed: 2 });
  assert.deepEqual(s.feed.map((e) => e.kind), ["member-reap", "member-join", "member-failed"]);
});

Deno.test("DashboardState keeps only the newest feed entries", () => {
  const s = new DashboardState({ maxFeedEntries: 3 });
  for (let i = 0; i < 10; i++) {
    s.applyEvent({ Event: "user", LTime: i, Name: `e${i}`, Payload: "", Coalesce: false });
  }
  assert.deepEqual(s.feed.map((e) => e.subject), ["e9", "e8", "e7"]);
});

Deno.test("parseApiEvent reads the contract's shapes and refuses malformed or unknown ones", () => {
  const m = member("a", "127.0.0.1");
  assert.deepEqual(
    parseApiEvent("member-join", JSON.stringify({ Event: "member-join", Members: [m, { x: 1 }] })),
    {
      Event: "member-join",
      Members: [m],
    },
  );
  assert.deepEqual(
    parseApiEvent(
      "query",
      '{"Event":"query","ID":4,"LTime":9,"Name":"q","Payload":"p","PayloadBase64":"cA=="}',
    ),
    { Event: "query", ID: 4, LTime: 9, Name: "q", Payload: "p" },
  );
  assert.equal(parseApiEvent("member-join", '{"Members":"nope"}'), undefined);
  assert.equal(parseApiEvent("future-kind", "{}"), undefined);
  assert.equal(parseApiEvent("user", "null"), undefined);
});

Deno.test("DashboardState.setCoordinates leaves the version alone when nothing moved", () => {
  const s = clusterState();
  const v = s.coordinatesVersion;
  s.setCoordinates([
    { Node: "web-1", Coord: coord(0) },
    { Node: "web-2", Coord: coord(0.002) },
    { Node: "db-1", Coord: coord(0.010) },
  ]);
  assert.equal(s.coordinatesVersion, v);
  s.setCoordinates([{ Node: "web-1", Coord: coord(0) }, { Node: "web-2", Coord: coord(0.003) }]);
  assert.equal(s.coordinatesVersion, v + 1);
  assert.equal(s.coordinates.size, 2);
});
