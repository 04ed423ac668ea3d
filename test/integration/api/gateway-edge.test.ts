// The HTTP gateway (POST /api/<service>/<Method>) refuses what the gRPC edge refuses, the same way:
// JSON nested past MAX_JSON_DEPTH is BATON_E_JSON_TOO_DEEP naming the request field at any depth (it
// was a BATON_E_BAD_REQUEST naming nothing, "maximum recursion depth of 100 reached", from 100 levels
// on), and a large request counts against the server's one budget of large requests, whichever way it
// comes (the gateway did not count at all). The store is the real SQLite store with its commits held
// back on demand, so a large request can be kept in flight.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentAdapters } from '../../../src/agents/adapter-registry.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RunServiceClient, StartRunRequest, type Run } from '../../../src/api/gen/baton/v1/run.js';
import { apiGateway } from '../../../src/api/http-gateway.js';
import { MAX_JSON_DEPTH } from '../../../src/api/limits.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { HttpListener } from '../../../src/http/http-listener.js';
import { Engine } from '../../../src/runtime/engine.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { AppendRequest, Store } from '../../../src/store/store.js';

const SOURCE = `workflow:
  name: gated
  version: "1"
  agents: { w: { type: t } }
  coordination: { event_driven: [go] }
  tasks:
    - { id: only, agent: w }
`;

/** Budget of large requests (over 1 MiB): one 2 MiB request fits, two do not. */
const BUDGET = 3 * 1024 * 1024;

let dir: string;
let store: Store;
let engine: Engine;
let api: BatonServer;
let http: HttpListener;
let base: string;
let client: RunServiceClient;
/** Commits wait for this; a test closes it. */
let hold: Promise<void> = Promise.resolve();
let onAppend: (() => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-gateway-edge-'));
  const real = await openSqliteStore({ dataDir: dir });
  store = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key !== 'appendMany')
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      return async (batch: readonly AppendRequest[]) => {
        onAppend?.();
        await hold;
        await target.appendMany(batch);
      };
    },
  });
  const feed = new RunFeed();
  engine = new Engine({
    store,
    bus: openMemoryBus(),
    onTurn: feed.publish,
    adapters: new AgentAdapters().register('none', () => inProcessAdapter(() => 'done')),
  });
  api = createServer({ runs: { engine, store, feed }, largeRequestBudgetBytes: BUDGET });
  client = new RunServiceClient(
    `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`,
    credentials.createInsecure(),
  );
  http = new HttpListener();
  http.mount('/api', apiGateway(api.services, api.budget));
  base = `http://127.0.0.1:${await http.listen('127.0.0.1:0')}/api`;
});

afterAll(async () => {
  client.close();
  await http.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A JSON text of `levels` lists nested in one another, written out (JSON.stringify would recurse). */
const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** What the gateway answers: a result's fields, or the error body. */
interface Answer {
  readonly run?: { runId: string };
  readonly error?: { code: string; message: string; fieldPath?: string };
}

async function post(method: string, body: string): Promise<{ status: number; json: Answer }> {
  const res = await fetch(`${base}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

const startGrpc = (req: Partial<StartRunRequest>) =>
  new Promise<Run>((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource: SOURCE, ...req }), (err, res) =>
      err ? reject(err) : resolve(res.run!),
    ),
  );

describe('JSON nesting over the HTTP gateway', () => {
  it.each([MAX_JSON_DEPTH + 1, 101, 5_000, 100_000])(
    'run input nested %i levels is BATON_E_JSON_TOO_DEEP naming input_data',
    async (levels) => {
      // input_data is a Struct: its object is one level, the lists inside it the rest.
      const body = `{"workflowSource":${JSON.stringify(SOURCE)},"inputData":{"a":${nested(levels - 1)}}}`;
      const { status: code, json } = await post('baton.v1.RunService/StartRun', body);
      expect(code).toBe(400);
      expect(json.error).toEqual({
        code: 'BATON_E_JSON_TOO_DEEP',
        message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
        fieldPath: 'input_data',
      });
    },
  );

  it('signal data and provided input past the limit are refused by name; at the limit they pass the edge', async () => {
    const run = await startGrpc({});
    await engine.settled(run.runId);
    const signal = await post(
      'baton.v1.RunService/SignalRun',
      `{"runId":"${run.runId}","channel":"go","data":${nested(100_000)}}`,
    );
    expect(signal.status).toBe(400);
    expect(signal.json.error).toMatchObject({ code: 'BATON_E_JSON_TOO_DEEP', fieldPath: 'data' });
    const input = await post(
      'baton.v1.RunService/ProvideInput',
      `{"runId":"${run.runId}","taskId":"only","input":{"k":${nested(100_000)}}}`,
    );
    expect(input.status).toBe(400);
    expect(input.json.error).toMatchObject({ code: 'BATON_E_JSON_TOO_DEEP', fieldPath: 'input' });
    // 64 levels are accepted by the edge: the call reaches the run (which has ended by now).
    const atLimit = await post(
      'baton.v1.RunService/SignalRun',
      `{"runId":"${run.runId}","channel":"go","data":${nested(MAX_JSON_DEPTH)}}`,
    );
    expect(atLimit.json.error?.code).not.toMatch(/JSON_TOO_DEEP|BAD_REQUEST/);
  });

  it('a run started over HTTP with input nested 64 levels keeps it whole', async () => {
    const body = `{"workflowSource":${JSON.stringify(SOURCE)},"inputData":{"a":${nested(MAX_JSON_DEPTH - 1)}}}`;
    const { status: code, json } = await post('baton.v1.RunService/StartRun', body);
    expect(code).toBe(200);
    const state = await engine.settled(json.run!.runId);
    expect(JSON.stringify(state.input)).toBe(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`);
  });
});

describe('large requests over the HTTP gateway', () => {
  it('count against the server budget: refused while a gRPC one holds it, taken once it is answered', async () => {
    const big = `# ${'x'.repeat(2 * 1024 * 1024)}\n${SOURCE}`;
    let open!: () => void;
    hold = new Promise((resolve) => (open = resolve));
    const waiting = new Promise<void>((resolve) => (onAppend = resolve));
    const first = startGrpc({ workflowSource: big });
    await waiting; // admitted over gRPC, waiting for its commit: 2 MiB of the 3 MiB budget held
    const refused = await post('baton.v1.RunService/StartRun', JSON.stringify({ workflowSource: big }));
    expect(refused.status).toBe(429);
    expect(refused.json.error?.code).toBe('BATON_E_SERVER_BUSY');

    // And the other way round: one over HTTP holds the budget, a gRPC one is refused.
    onAppend = undefined;
    open();
    await engine.settled((await first).runId);
    hold = new Promise((resolve) => (open = resolve));
    const waiting2 = new Promise<void>((resolve) => (onAppend = resolve));
    const overHttp = post('baton.v1.RunService/StartRun', JSON.stringify({ workflowSource: big }));
    await waiting2;
    const err = (await startGrpc({ workflowSource: big }).then(
      () => undefined,
      (e: unknown) => e,
    )) as ServiceError | undefined;
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(readErrorDetail(err!.metadata)).toMatchObject({ code: 'BATON_E_SERVER_BUSY' });
    onAppend = undefined;
    open();
    const answered = await overHttp;
    expect(answered.status).toBe(200);
    await engine.settled(answered.json.run!.runId);
    // Answered: the budget is free again, for either way in.
    expect(api.budget.inUse).toBe(0);
    const again = await post('baton.v1.RunService/StartRun', JSON.stringify({ workflowSource: big }));
    expect(again.status).toBe(200);
  });
});
