/// <reference lib="dom" />
/**
 * The event feed: member, user and query events, newest first, as many as the
 * state keeps (see `maxFeedEntries`).
 *
 * @module
 */
import { byId, el } from "./dom.ts";
import type { DashboardState } from "./state.ts";

/** Draws the feed list from the state. */
export class EventFeed {
  #list = byId("feed", HTMLOListElement);
  #drawn = -1;

  /** Redraws when the feed changed since the last draw. */
  render(state: DashboardState): void {
    if (state.feedVersion === this.#drawn) return;
    this.#drawn = state.feedVersion;
    const items = state.feed.map((e) => {
      const li = el(
        "li",
        { className: `kind-${e.kind.replace(/[^a-z-]/g, "")}` },
        el("time", { text: new Date(e.at).toLocaleTimeString() }),
        el("span", { className: "kind", text: e.kind }),
        el("span", { className: "subject", text: e.subject }),
        el("span", { className: "detail", text: e.detail }),
      );
      li.dataset.kind = e.kind;
      return li;
    });
    if (items.length === 0) items.push(el("li", { className: "empty", text: "No events yet." }));
    this.#list.replaceChildren(...items);
  }
}
