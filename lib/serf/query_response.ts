/**
 * A query as its asker sees it (parameters, the streams of acks and
 * responses until the deadline) and the record of queries already seen.
 *
 * @module
 */
import { AsyncQueue } from "../util/async.ts";

/**
 * How to run a query.
 *
 * @example Asking one node, with a short deadline
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type QueryParam, SeededRandom, Serf, VirtualClock } from "../../mod.ts";
 *
 * const clock = new VirtualClock();
 * const network = new MemoryNetwork({ clock, rng: new SeededRandom(1) });
 * const transport = network.listen({ host: "127.0.0.1", port: 7946 });
 * const serf = await Serf.create({ nodeName: "a", memberlist: { bindAddr: "127.0.0.1", transport, clock } });
 * const params: QueryParam = { filterNodes: ["a"], timeoutMs: 500 };
 * const response = serf.query("uptime", new Uint8Array(), params);
 * assert.equal(response.deadline, clock.now() + 500);
 * await clock.advance(500);
 * assert.equal(response.finished(), true);
 * await serf.shutdown();
 * ```
 */
export interface QueryParam {
  /** Only these nodes answer. @default all */
  filterNodes?: string[];
  /** Only nodes whose tag matches the regular expression answer. @default none */
  filterTags?: Record<string, string>;
  /** Ask every node that receives the query to acknowledge it. @default false */
  requestAck?: boolean;
  /** Extra members asked to relay each response. @default 0 */
  relayFactor?: number;
  /** How long to collect responses: the upper bound. @default Serf's scaled default */
  timeoutMs?: number;
  /**
   * Collect until the timeout even when every member the filters matched at
   * send time has responded (and acked, with `requestAck`). Serf always
   * waits; serfts finishes early unless this is set (serf#509). @default false
   */
  waitForTimeout?: boolean;
}

/**
 * One node's answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NodeResponse, QueryResponse } from "./query_response.ts";
 *
 * const query = new QueryResponse({ id: 1, lTime: 1, deadline: 500, ack: false, expected: 1, now: () => 0 });
 * query.addResponse({ from: "b", payload: new TextEncoder().encode("42s") });
 * const answer: NodeResponse | undefined = query.responses.tryShift();
 * assert.equal(answer?.from, "b");
 * assert.equal(new TextDecoder().decode(answer?.payload), "42s");
 * ```
 */
export interface NodeResponse {
  /** Name of the node that answered. */
  from: string;
  /** Its answer, as passed to `QueryEvent.respond`. */
  payload: Uint8Array;
}

/**
 * The asker's side of a running query: acks and responses arrive as async
 * streams that end at the deadline. `Serf.query` returns one.
 *
 * @example Each node counts once, and nothing is taken after the deadline
 * ```ts
 * import assert from "node:assert/strict";
 * import { QueryResponse } from "./query_response.ts";
 *
 * let now = 0;
 * const clock = () => now;
 * const query = new QueryResponse({ id: 7, lTime: 1, deadline: 500, ack: true, expected: 3, now: clock });
 * query.addAck("b");
 * query.addAck("b");
 * now = 501;
 * query.addAck("c");
 * query.close();
 * const acks: string[] = [];
 * for await (const from of query.acks!) acks.push(from);
 * assert.deepEqual(acks, ["b"]);
 * ```
 */
export class QueryResponse {
  /** The query's id, unique per Lamport time; responses carry it back. */
  readonly id: number;
  /** The query's Lamport time. */
  readonly lTime: number;
  /** Time on the node's clock after which acks and responses are ignored. */
  readonly deadline: number;
  /** Names of nodes that acknowledged (present only with `requestAck`). */
  readonly acks: AsyncQueue<string> | undefined;
  /** Answers, at most one per node, until the deadline or {@linkcode QueryResponse.close}. */
  readonly responses: AsyncQueue<NodeResponse>;
  readonly #ackFrom = new Set<string>();
  readonly #respFrom = new Set<string>();
  /** Members still expected to answer (and ack, with acks); undefined waits for the deadline. */
  readonly #awaitResponse: Set<string> | undefined;
  readonly #awaitAck: Set<string> | undefined;
  #closed = false;
  #now: () => number;

  /**
   * The record of a query just sent; `Serf.query` makes one.
   * @param q the query's `id`, `lTime` and `deadline`; `ack` to collect acks;
   * `expected` answers (sizes the queues); `now` reads the clock the deadline is on;
   * `awaiting`, the names of the members whose answers (and acks) finish the
   * query early; without it the query runs to its deadline.
   */
  constructor(
    q: {
      id: number;
      lTime: number;
      deadline: number;
      ack: boolean;
      expected: number;
      now: () => number;
      awaiting?: Iterable<string>;
    },
  ) {
    this.id = q.id;
    this.lTime = q.lTime;
    this.deadline = q.deadline;
    const capacity = Math.max(64, q.expected * 2);
    this.acks = q.ack ? new AsyncQueue({ capacity }) : undefined;
    this.responses = new AsyncQueue({ capacity });
    this.#now = q.now;
    if (q.awaiting) {
      this.#awaitResponse = new Set(q.awaiting);
      this.#awaitAck = q.ack ? new Set(this.#awaitResponse) : undefined;
      // Nobody matched: nothing can arrive that the asker waits for.
      if (this.#awaitResponse.size === 0) this.close();
    }
  }

  /** True once closed or past the deadline. */
  finished(): boolean {
    return this.#closed || this.#now() > this.deadline;
  }

  /** Ends both streams. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.acks?.close();
    this.responses.close();
  }

  /** Records an ack; duplicates are ignored. @returns what became of it, for Serf's metrics */
  addAck(from: string): QueryReplyOutcome {
    if (this.finished() || !this.acks) return "ignored";
    if (this.#ackFrom.has(from)) return "duplicate";
    this.#ackFrom.add(from);
    this.acks.push(from);
    this.#awaitAck?.delete(from);
    this.#closeWhenAllAnswered();
    return "added";
  }

  /** Records a response; a second response from the same node is ignored. @returns what became of it */
  addResponse(r: NodeResponse): QueryReplyOutcome {
    if (this.finished()) return "ignored";
    if (this.#respFrom.has(r.from)) return "duplicate";
    this.#respFrom.add(r.from);
    this.responses.push(r);
    this.#awaitResponse?.delete(r.from);
    this.#closeWhenAllAnswered();
    return "added";
  }

  /** Everyone expected has responded, and acked when acks were asked for: no reason to wait. */
  #closeWhenAllAnswered(): void {
    if (!this.#awaitResponse || this.#awaitResponse.size > 0) return;
    if (this.#awaitAck && this.#awaitAck.size > 0) return;
    this.close();
  }
}

/** An ack or response was new, repeated a node's earlier one, or came after the query finished. */
export type QueryReplyOutcome = "added" | "duplicate" | "ignored";

/** Which (LTime, ID) pairs we have seen, in a ring of `size` LTime slots (Serf's query buffer). */
export class QuerySeen {
  #slots: ({ lTime: number; ids: number[] } | undefined)[];

  constructor(size: number) {
    this.#slots = new Array(size);
  }

  /** Returns false if already seen. */
  record(lTime: number, id: number): boolean {
    const idx = lTime % this.#slots.length;
    const slot = this.#slots[idx];
    if (slot && slot.lTime === lTime) {
      if (slot.ids.includes(id)) return false;
      slot.ids.push(id);
      return true;
    }
    this.#slots[idx] = { lTime, ids: [id] };
    return true;
  }
}
