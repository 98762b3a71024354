/// <reference lib="dom" />
/**
 * The header: this node, members per status, health score, and the forms to
 * send a user event (`POST /v1/event`) and to enter the `http_auth` token.
 *
 * @module
 */
import type { ApiClient } from "./api.ts";
import { byId, el, statusColor } from "./dom.ts";
import type { DashboardState } from "./state.ts";

/** What `/v1/stats` told us about this node, shown as-is. */
export interface NodeSummary {
  health: string;
}

/** Draws the header and binds its forms. */
export class HeaderBar {
  #self = byId("self-name", HTMLElement);
  #counts = byId("status-counts", HTMLElement);
  #health = byId("health", HTMLElement);
  #notice = byId("notice", HTMLElement);
  #tokenForm = byId("token-form", HTMLFormElement);
  #drawn = "";

  /**
   * @param api used by the event form.
   * @param onToken called with a new token once the operator submits it.
   */
  constructor(api: ApiClient, onToken: (token: string) => void) {
    const form = byId("event-form", HTMLFormElement);
    const name = byId("event-name", HTMLInputElement);
    const payload = byId("event-payload", HTMLInputElement);
    const coalesce = byId("event-coalesce", HTMLInputElement);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const body = { Name: name.value.trim(), Payload: payload.value, Coalesce: coalesce.checked };
      if (body.Name === "") return this.notify("A user event needs a name.");
      api.postJson("/v1/event", body).then(
        () => this.notify(`Sent user event "${body.Name}".`),
        (err) => this.notify(`Could not send the event: ${errorText(err)}`),
      );
    });
    const token = byId("token-input", HTMLInputElement);
    this.#tokenForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.#tokenForm.hidden = true;
      onToken(token.value);
    });
  }

  /** Shows the token form (after a 401). */
  askForToken(): void {
    this.#tokenForm.hidden = false;
    this.notify("This agent has http_auth set: enter its token.");
  }

  /** Shows a one-line message to the operator ("" clears it). */
  notify(text: string): void {
    this.#notice.textContent = text;
  }

  /** Redraws when the members or the node summary changed. */
  render(state: DashboardState, summary: NodeSummary): void {
    const key = `${state.membersVersion}/${state.selfName}/${summary.health}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    this.#self.textContent = state.selfName || "…";
    const badges = [...state.statusCounts()].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => {
      const b = el("span", { className: "badge", text: `${n} ${status}` });
      b.style.setProperty("--dot", statusColor(status));
      b.dataset.status = status;
      return b;
    });
    this.#counts.replaceChildren(el("span", { text: `${state.members.size} members: ` }), ...badges);
    // Lifeguard's awareness score: 0 is healthy, higher means this node is
    // probably the slow one (memberlist's awareness.go).
    this.#health.textContent = summary.health === "" ? "…" : summary.health;
    this.#health.dataset.healthy = String(summary.health === "0");
  }
}

/** The message of an error-like value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
