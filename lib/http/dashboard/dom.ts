/// <reference lib="dom" />
/**
 * Tiny DOM helpers for the dashboard. Everything from the cluster (names,
 * tags, payloads) reaches the page as text through these, never as HTML, so a
 * member called `<img onerror=...>` is shown, not run.
 *
 * @module
 */

/** Creates `<tag>` with the given class, text and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { className?: string; text?: string; title?: string } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (options.className) e.className = options.className;
  if (options.text !== undefined) e.textContent = options.text;
  if (options.title !== undefined) e.title = options.title;
  for (const c of children) e.appendChild(c);
  return e;
}

/** The element with `id`, which the page's HTML must contain. */
export function byId<T extends Element>(id: string, type: abstract new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) {
    throw new Error(`Dashboard HTML is missing #${id}: rebuild with scripts/build_dashboard.ts`);
  }
  return e;
}

/** The CSS colour variable for a member status, so the table, map and header agree. */
export function statusColor(status: string): string {
  switch (status) {
    case "alive":
      return "var(--alive)";
    case "failed":
      return "var(--failed)";
    case "leaving":
    case "left":
      return "var(--left)";
    default:
      return "var(--other)";
  }
}
