/// <reference lib="dom" />
/**
 * The member table: name, address, status, tags, protocol and RTT from this
 * node, sortable by clicking a header and filtered by text and status. It
 * redraws its body only when the members, the coordinates or the view change;
 * at 500 members a redraw is a few milliseconds of plain DOM.
 *
 * @module
 */
import { byId, el, statusColor } from "./dom.ts";
import { type DashboardState, formatTags, type SortKey, type TableView } from "./state.ts";
import { formatRtt } from "./vivaldi.ts";

const SORT_KEYS: ReadonlySet<string> = new Set(["name", "addr", "status", "tags", "protocol", "rtt"]);

/** Binds the table's controls and draws its rows. */
export class MemberTable {
  readonly view: TableView = { text: "", status: "", sortKey: "name", ascending: true };
  #body = byId("members-body", HTMLTableSectionElement);
  #count = byId("members-count", HTMLElement);
  #head = byId("members-head", HTMLTableSectionElement);
  #drawn = "";

  /** @param onChange called when the operator changes the filter or the sort. */
  constructor(onChange: () => void) {
    const text = byId("filter-text", HTMLInputElement);
    const status = byId("filter-status", HTMLSelectElement);
    text.addEventListener("input", () => {
      this.view.text = text.value;
      onChange();
    });
    status.addEventListener("change", () => {
      this.view.status = status.value;
      onChange();
    });
    this.#head.addEventListener("click", (e) => {
      const th = (e.target as HTMLElement).closest("th");
      const key = th?.dataset.sort;
      if (!key || !SORT_KEYS.has(key)) return;
      if (this.view.sortKey === key) this.view.ascending = !this.view.ascending;
      else {
        this.view.sortKey = key as SortKey;
        this.view.ascending = true;
      }
      onChange();
    });
  }

  /** Redraws when anything the rows depend on changed since the last draw. */
  render(state: DashboardState): void {
    const v = this.view;
    const key =
      `${state.membersVersion}/${state.coordinatesVersion}/${state.selfName}/${v.text}/${v.status}/` +
      `${v.sortKey}/${v.ascending}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    const rows = state.rows(v);
    const trs = rows.map(({ member: m, rtt }) => {
      const status = el(
        "td",
        { className: "status" },
        el("span", { className: "dot" }),
        el("span", { text: m.Status }),
      );
      status.style.setProperty("--dot", statusColor(m.Status));
      const tr = el(
        "tr",
        {},
        el("td", { className: "name", text: m.Name }),
        el("td", { text: `${m.Addr}:${m.Port}` }),
        status,
        el("td", { className: "tags", text: formatTags(m.Tags) }),
        el("td", {
          text: `${m.ProtocolCur} (${m.ProtocolMin}-${m.ProtocolMax}), delegate ${m.DelegateCur}`,
        }),
        el("td", { className: "num", text: m.Name === state.selfName ? "this node" : formatRtt(rtt) }),
      );
      tr.dataset.member = m.Name;
      tr.dataset.status = m.Status;
      return tr;
    });
    this.#body.replaceChildren(...trs);
    this.#count.textContent = `${rows.length} of ${state.members.size}`;
    for (const th of this.#head.querySelectorAll("th")) {
      const active = th.dataset.sort === v.sortKey;
      th.classList.toggle("sorted", active);
      th.dataset.dir = active ? (v.ascending ? "asc" : "desc") : "";
    }
  }
}
