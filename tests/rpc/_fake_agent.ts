/**
 * An in-memory {@linkcode RpcAgent} for server tests: records every call and
 * lets the test emit events and log lines.
 */
import type { AgentKeyResult, RpcAgent, RpcQueryResponse } from "../../lib/rpc/agent_api.ts";
import type { KeyOperation } from "../../lib/serf/key_manager.ts";
import type { NodeResponse, QueryParam } from "../../lib/serf/query_response.ts";
import type { Member, QueryEvent, SerfEvent } from "../../lib/serf/types.ts";
import type { Coordinate } from "../../lib/coordinate/coordinate.ts";
import { AsyncQueue } from "../../lib/util/async.ts";

export function member(
  name: string,
  addr = "127.0.0.1",
  port = 7946,
  tags: Record<string, string> = {},
): Member {
  return {
    name,
    addr,
    port,
    tags,
    status: "alive",
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 4,
  };
}

export interface StartedQuery {
  name: string;
  payload: Uint8Array;
  params: QueryParam;
  acks: AsyncQueue<string>;
  responses: AsyncQueue<NodeResponse>;
  deadline: number;
}

export class FakeAgent implements RpcAgent {
  local: Member = member("local", "127.0.0.1", 7946, { role: "web" });
  others: Member[] = [member("b", "10.0.0.2", 7946, { role: "db" }), {
    ...member("c", "::1", 8000),
    status: "failed",
  }];
  calls: string[] = [];
  queries: StartedQuery[] = [];
  coordinates = new Map<string, Coordinate>();
  failNext: string | undefined;
  #eventSubs = new Set<(e: SerfEvent) => void>();
  #logSubs = new Set<(l: string) => void>();
  backlog: string[] = [
    "2020/01/01 00:00:00 [INFO] agent: started",
    "2020/01/01 00:00:00 [DEBUG] agent: detail",
  ];
  shutdownCalled = false;
  /** Acks and responses every query gets at once. */
  autoAcks: string[] = [];
  autoResponses: NodeResponse[] = [];
  respondedWith: Uint8Array[] = [];

  #maybeFail(): void {
    const f = this.failNext;
    this.failNext = undefined;
    if (f) throw new Error(f);
  }

  members(): Member[] {
    return [this.local, ...this.others];
  }
  join(addrs: string[], replay: boolean): Promise<number> {
    this.calls.push(`join ${addrs.join(",")} ${replay}`);
    this.#maybeFail();
    return Promise.resolve(addrs.length);
  }
  leave(): Promise<void> {
    this.calls.push("leave");
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    this.shutdownCalled = true;
    return Promise.resolve();
  }
  forceLeave(node: string, prune: boolean): Promise<void> {
    this.calls.push(`force-leave ${node} ${prune}`);
    this.#maybeFail();
    return Promise.resolve();
  }
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    this.calls.push(`event ${name} ${new TextDecoder().decode(payload)} ${coalesce}`);
    this.#maybeFail();
  }
  query(name: string, payload: Uint8Array, params: QueryParam): RpcQueryResponse {
    this.calls.push(`query ${name}`);
    this.#maybeFail();
    const q: StartedQuery = {
      name,
      payload,
      params,
      acks: new AsyncQueue(),
      responses: new AsyncQueue(),
      deadline: performance.now() + (params.timeoutMs || 300),
    };
    this.queries.push(q);
    for (const a of this.autoAcks) if (params.requestAck) q.acks.push(a);
    for (const r of this.autoResponses) q.responses.push(r);
    return { deadline: q.deadline, acks: params.requestAck ? q.acks : undefined, responses: q.responses };
  }
  setTags(set: Record<string, string>, deleteKeys: string[]): Promise<void> {
    const tags = { ...this.local.tags };
    for (const k of deleteKeys) delete tags[k];
    Object.assign(tags, set);
    this.calls.push(`tags ${JSON.stringify(tags)}`);
    this.local = { ...this.local, tags };
    return Promise.resolve();
  }
  installKey(key: string): Promise<AgentKeyResult> {
    return this.#key("install-key", key);
  }
  useKey(key: string): Promise<AgentKeyResult> {
    return this.#key("use-key", key);
  }
  removeKey(key: string): Promise<AgentKeyResult> {
    return this.#key("remove-key", key);
  }
  listKeys(): Promise<AgentKeyResult> {
    return this.#key("list-keys", "");
  }
  #key(op: KeyOperation, key: string): Promise<AgentKeyResult> {
    this.calls.push(`${op} ${key}`);
    const response = {
      messages: {} as Record<string, string>,
      keys: (op === "list-keys" ? { "a2V5": 2 } : {}) as Record<string, number>,
      primaryKeys: {},
      numNodes: 2,
      numResp: 2,
      numErr: 0,
    };
    if (key === "bad") {
      response.messages = { b: "bad key" };
      response.numErr = 1;
      return Promise.resolve({ response, error: "1/2 nodes reported failure" });
    }
    return Promise.resolve({ response });
  }
  stats(): Record<string, Record<string, string>> {
    return { agent: { name: this.local.name }, serf: { members: "3" }, tags: this.local.tags };
  }
  getCoordinate(node: string): Coordinate | undefined {
    return this.coordinates.get(node);
  }
  subscribeEvents(handler: (event: SerfEvent) => void): () => void {
    this.#eventSubs.add(handler);
    return () => this.#eventSubs.delete(handler);
  }
  subscribeLogs(_level: string, handler: (line: string) => void): () => void {
    for (const l of this.backlog) handler(l);
    this.#logSubs.add(handler);
    return () => this.#logSubs.delete(handler);
  }

  get eventSubscribers(): number {
    return this.#eventSubs.size;
  }
  get logSubscribers(): number {
    return this.#logSubs.size;
  }
  emit(event: SerfEvent): void {
    for (const h of this.#eventSubs) h(event);
  }
  log(line: string): void {
    for (const h of this.#logSubs) h(line);
  }
  /** A live query event whose responses are recorded in `respondedWith`. */
  queryEvent(name: string, timeoutMs = 5_000): QueryEvent {
    let responded = false;
    return {
      type: "query",
      lTime: 7,
      name,
      payload: new TextEncoder().encode("ask"),
      id: 99,
      sourceNode: "b",
      deadline: performance.now() + timeoutMs,
      respond: (payload) => {
        if (responded) throw new Error("failed to respond to key query: response already sent");
        responded = true;
        this.respondedWith.push(payload);
      },
    };
  }
}
