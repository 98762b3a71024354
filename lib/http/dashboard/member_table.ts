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
  /** Row elements by member name, reused across redraws so a status change touches two cells, not 3,500. */
  #rows = new Map<string, TableRow>();

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
    const sortBy = (target: EventTarget | null) => {
      const th = (target as HTMLElement | null)?.closest("th");
      const key = th?.dataset.sort;
      if (!key || !SORT_KEYS.has(key)) return;
      if (this.view.sortKey === key) this.view.ascending = !this.view.ascending;
      else {
        this.view.sortKey = key as SortKey;
        this.view.ascending = true;
      }
      onChange();
    };
    this.#head.addEventListener("click", (e) => sortBy(e.target));
    // Headers are focusable (tabindex), so the keyboard can sort too.
    this.#head.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      sortBy(e.target);
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
    const seen = new Set<string>();
    const ordered: HTMLTableRowElement[] = [];
    for (const { member: m, rtt } of rows) {
      seen.add(m.Name);
      const cells = [
        m.Name,
        `${m.Addr}:${m.Port}`,
        m.Status,
        formatTags(m.Tags),
        `${m.ProtocolCur} (${m.ProtocolMin}-${m.ProtocolMax}), delegate ${m.DelegateCur}`,
        m.Name === state.selfName ? "this node" : formatRtt(rtt),
      ];
      let row = this.#rows.get(m.Name);
      if (!row) {
        row = newRow(m.Name);
        this.#rows.set(m.Name, row);
      }
      updateRow(row, cells);
      ordered.push(row.tr);
    }
    for (const name of this.#rows.keys()) if (!seen.has(name)) this.#rows.delete(name);
    // Re-inserting 500 rows costs more than comparing them: only do it when the order changed.
    const current = this.#body.children;
    const sameOrder = current.length === ordered.length && ordered.every((tr, i) => current[i] === tr);
    if (!sameOrder) this.#body.replaceChildren(...ordered);
    this.#count.textContent = `${rows.length} of ${state.members.size}`;
    for (const th of this.#head.querySelectorAll("th")) {
      const active = th.dataset.sort === v.sortKey;
      th.classList.toggle("sorted", active);
      th.dataset.dir = active ? (v.ascending ? "asc" : "desc") : "";
      th.setAttribute("aria-sort", active ? (v.ascending ? "ascending" : "descending") : "none");
    }
  }
}

/** A member's row and the texts it shows now. */
interface TableRow {
  tr: HTMLTableRowElement;
  cells: HTMLTableCellElement[];
  statusText: HTMLSpanElement;
  texts: string[];
}

const CELL_CLASSES = ["name", "", "status", "tags", "", "num"];

function newRow(name: string): TableRow {
  const cells = CELL_CLASSES.map((className) => el("td", { className }));
  const statusText = el("span");
  cells[2]!.append(el("span", { className: "dot" }), statusText);
  const tr = el("tr", {}, ...cells);
  tr.dataset.member = name;
  return { tr, cells, statusText, texts: [] };
}

/** Writes only the cells whose text changed; `cells[2]` is the status. */
function updateRow(row: TableRow, texts: string[]): void {
  texts.forEach((text, i) => {
    if (row.texts[i] === text) return;
    if (i === 2) {
      row.statusText.textContent = text;
      row.cells[2]!.style.setProperty("--dot", statusColor(text));
      row.tr.dataset.status = text;
    } else {
      row.cells[i]!.textContent = text;
    }
  });
  row.texts = texts;
}
