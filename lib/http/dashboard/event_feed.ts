/// <reference lib="dom" />
/**
 * The event feed: member, user and query events, newest first, as many as the
 * state keeps (see `maxFeedEntries`).
 *
 * @module
 */
import { byId, el } from "./dom.ts";
import type { DashboardState, FeedEntry } from "./state.ts";

/** Draws the feed list from the state. */
export class EventFeed {
  #list = byId("feed", HTMLOListElement);
  #drawn = -1;
  #items = new WeakMap<FeedEntry, HTMLLIElement>();

  /** Redraws when the feed changed since the last draw. */
  render(state: DashboardState): void {
    if (state.feedVersion === this.#drawn) return;
    this.#drawn = state.feedVersion;
    const items = state.feed.map((e) => {
      // Entries never change once made: reuse their elements, build only the new ones.
      let li = this.#items.get(e);
      if (!li) {
        li = el(
          "li",
          {},
          el("time", { text: new Date(e.at).toLocaleTimeString() }),
          el("span", { className: "kind", text: e.kind }),
          el("span", { className: "subject", text: e.subject }),
          el("span", { className: "detail", text: e.detail }),
        );
        li.dataset.kind = e.kind;
        this.#items.set(e, li);
      }
      return li;
    });
    if (items.length === 0) items.push(el("li", { className: "empty", text: "No events yet." }));
    this.#list.replaceChildren(...items);
  }
}
