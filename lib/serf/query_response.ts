/**
 * A query as its asker sees it (parameters, the streams of acks and
 * responses until the deadline) and the record of queries already seen.
 *
 * @module
 */
import { AsyncQueue } from "../util/async.ts";

/** How to run a query. */
export interface QueryParam {
  /** Only these nodes answer. @default all */
  filterNodes?: string[];
  /** Only nodes whose tag matches the regular expression answer. @default none */
  filterTags?: Record<string, string>;
  /** Ask every node that receives the query to acknowledge it. @default false */
  requestAck?: boolean;
  /** Extra members asked to relay each response. @default 0 */
  relayFactor?: number;
  /** How long to collect responses. @default Serf's scaled default */
  timeoutMs?: number;
}

/** One node's answer. */
export interface NodeResponse {
  from: string;
  payload: Uint8Array;
}

/**
 * The asker's side of a running query: acks and responses arrive as async
 * streams that end at the deadline.
 */
export class QueryResponse {
  readonly id: number;
  readonly lTime: number;
  readonly deadline: number;
  /** Names of nodes that acknowledged (present only with `requestAck`). */
  readonly acks: AsyncQueue<string> | undefined;
  readonly responses: AsyncQueue<NodeResponse>;
  readonly #ackFrom = new Set<string>();
  readonly #respFrom = new Set<string>();
  #closed = false;
  #now: () => number;

  constructor(
    q: { id: number; lTime: number; deadline: number; ack: boolean; expected: number; now: () => number },
  ) {
    this.id = q.id;
    this.lTime = q.lTime;
    this.deadline = q.deadline;
    const capacity = Math.max(64, q.expected * 2);
    this.acks = q.ack ? new AsyncQueue({ capacity }) : undefined;
    this.responses = new AsyncQueue({ capacity });
    this.#now = q.now;
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

  /** Records an ack; duplicates are ignored. */
  addAck(from: string): void {
    if (this.finished() || !this.acks || this.#ackFrom.has(from)) return;
    this.#ackFrom.add(from);
    this.acks.push(from);
  }

  /** Records a response; a second response from the same node is ignored. */
  addResponse(r: NodeResponse): void {
    if (this.finished() || this.#respFrom.has(r.from)) return;
    this.#respFrom.add(r.from);
    this.responses.push(r);
  }
}

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
