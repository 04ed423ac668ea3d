// ModifyRun and the steering gaps over a real loopback server and the embedded app (SQLite in a temp
// dir): a change accepted and journaled with who asked, changes rejected with one violation each,
// SignalRun's cursor, pause/resume reasons, and WatchRun's backpressure on a client that stops reading.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type handleUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import {
  ModifyRunRequest,
  RunServiceClient,
  RunStatus,
  type RunServiceServer,
  StartRunRequest,
  type DeepPartial,
  type RunEvent,
  type WatchRunResponse,
} from '../../../src/api/gen/baton/v1/run.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

let dir: string;
let app: App;
let api: BatonServer;
let client: RunServiceClient;
const feed = new RunFeed();
let calls: string[] = [];
/** The `gate` task's call waits until the test opens it. */
let open: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

const agent =
  (name: string): AgentHandler =>
  async ({ taskId }) => {
    calls.push(`${name}:${taskId}`);
    if (taskId === 'gate') await gate;
    return { by: name, task: taskId };
  };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-run-modify-'));
  app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    onTurn: feed.publish,
    adapterFor: (id) => inProcessAdapter(agent(id)),
  });
  api = createServer({
    runs: { engine: app.engine, store: app.store, feed, watchDrainTimeoutMs: 300 },
  });
  client = new RunServiceClient(
    `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`,
    credentials.createInsecure(),
  );
});

afterAll(async () => {
  open();
  client.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  calls = [];
  gate = new Promise((resolve) => (open = resolve));
});

const SOURCE = `workflow:
  name: desk
  version: "1"
  agents:
    a: { type: t }
    b: { type: t, capabilities: [gpu] }
  coordination:
    event_driven: [notes]
  tasks:
    - { id: side, agent: a }
    - { id: one, agent: a }
    - { id: gate, agent: a, depends_on: [one] }
    - { id: last, agent: a, depends_on: [gate] }
    - { id: spare, agent: a, depends_on: [gate] }
`;

const as = (principal: string) => {
  const md = new Metadata();
  md.set('x-baton-principal', principal);
  return md;
};

/** Request and response types of each unary RPC, by handler name. */
type Unary = {
  [
    K in keyof RunServiceServer as RunServiceServer[K] extends handleUnaryCall<never, unknown> ? K : never
  ]: RunServiceServer[K] extends handleUnaryCall<infer Req, infer Res> ? [Req, Res] : never;
};
type Cb<Res> = (err: ServiceError | null, res: Res) => void;

/** A unary call as a promise, with metadata. */
function rpc<K extends keyof Unary>(name: K, req: Unary[K][0], md = new Metadata()): Promise<Unary[K][1]> {
  const method = client[name] as unknown as (req: Unary[K][0], md: Metadata, cb: Cb<Unary[K][1]>) => void;
  return new Promise((resolve, reject) =>
    method.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const startRun = async () =>
  (await rpc('startRun', StartRunRequest.fromPartial({ workflowSource: SOURCE }))).run!.runId;
const modify = (req: DeepPartial<ModifyRunRequest>, md?: Metadata) =>
  rpc('modifyRun', ModifyRunRequest.fromPartial(req), md);
const historyOf = async (runId: string) =>
  (await rpc('getRunHistory', { runId, afterCursor: '', pageSize: 1000 })).events;

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!err) throw new Error('the call succeeded');
  return err;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

const settled = async (runId: string) => {
  await until(async () => (await rpc('getRun', { runId })).run!.status === RunStatus.RUN_STATUS_COMPLETED);
  return (await rpc('getRun', { runId })).run!;
};

describe('RunService.ModifyRun', () => {
  it('applies a change between steps, journals who asked, and the run completes with it', async () => {
    const runId = await startRun();
    await until(() => calls.includes('a:gate') && calls.includes('a:side'));
    const res = await modify(
      {
        runId,
        reason: 'add a GPU pass',
        modifications: [
          { addTask: 'id: extra\nagent: b\ndepends_on: [one]\nrequires: [gpu]\n' },
          { removeTask: 'spare' },
          { swapAgent: { taskId: 'last', agentId: 'b' } },
        ],
      },
      as('erin'),
    );
    expect(res.run!.runId).toBe(runId);
    const events = await historyOf(runId);
    const entry = events.find((e) => e.cursor === res.cursor)!;
    expect(entry).toMatchObject({
      type: 'RunModified',
      actor: 'erin',
      data: { reason: 'add a GPU pass', by: 'erin' },
    });
    await until(() => calls.includes('b:extra'));
    open();
    const run = await settled(runId);
    expect(Object.keys(run.outputs!).sort()).toEqual(['extra', 'last', 'side']);
    expect(calls).toContain('b:last');
    expect(calls).not.toContain('a:spare');
  });

  it('rejects changes with INVALID_ARGUMENT or FAILED_PRECONDITION and one violation per change at fault', async () => {
    const runId = await startRun();
    await until(() => calls.includes('a:gate') && calls.includes('a:side'));
    // The run's progress forbids it: FAILED_PRECONDITION.
    const conflict = await failure(modify({ runId, modifications: [{ removeTask: 'side' }] }));
    expect(conflict.code).toBe(status.FAILED_PRECONDITION);
    expect(readErrorDetail(conflict.metadata)).toMatchObject({
      code: 'BATON_E_MODIFY_CONFLICT',
      fieldPath: 'modifications.0',
      violations: [{ fieldPath: 'modifications.0', subject: 'side', code: 'BATON_E_MODIFY_CONFLICT' }],
    });
    // The changed workflow would be invalid: INVALID_ARGUMENT, each change named.
    const invalid = await failure(
      modify({
        runId,
        modifications: [
          { swapAgent: { taskId: 'last', agentId: 'b' } },
          { addTask: '{ id: late, agent: a, depends_on: [ghost] }' },
          { patternConfig: { rounds: 3 } },
        ],
      }),
    );
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    const detail = readErrorDetail(invalid.metadata)!;
    expect(detail.code).toBe('BATON_E_MODIFY_INVALID');
    expect(detail.violations.map((v) => [v.fieldPath, v.subject, v.code])).toEqual([
      ['modifications.1', 'late', 'BATON_E_UNKNOWN_DEPENDENCY'],
    ]);
    expect(invalid.details).toContain('modifications[1] (add_task "late")');
    // Malformed requests name the field.
    const yaml = await failure(modify({ runId, modifications: [{ addTask: 'id: x\nagnet: a\n' }] }));
    expect(yaml.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(yaml.metadata)?.fieldPath).toBe('modifications.0.add_task.agnet');
    const empty = await failure(modify({ runId, modifications: [] }));
    expect(readErrorDetail(empty.metadata)?.fieldPath).toBe('modifications');
    const none = await failure(modify({ runId, modifications: [{}] }));
    expect(readErrorDetail(none.metadata)?.fieldPath).toBe('modifications.0');
    const unknown = await failure(modify({ runId: 'run_nope', modifications: [{ removeTask: 'x' }] }));
    expect(unknown.code).toBe(status.NOT_FOUND);
    // Nothing was journaled, and the run goes on as declared.
    expect((await historyOf(runId)).some((e) => e.type === 'RunModified')).toBe(false);
    open();
    expect(Object.keys((await settled(runId)).outputs!).sort()).toEqual(['last', 'side', 'spare']);
  });
});

describe('RunService: steering gaps', () => {
  it('SignalRun returns the cursor of its entry; pause and resume journal who and why', async () => {
    const runId = await startRun();
    await until(() => calls.includes('a:gate'));
    await rpc('pauseRun', { runId, reason: 'audit' }, as('frank'));
    await rpc('resumeRun', { runId, reason: 'audit done' }, as('frank'));
    const { cursor } = await rpc('signalRun', {
      runId,
      channel: 'notes',
      event: 'note',
      data: { text: 'hi' },
      eventId: 'n1',
    });
    expect(cursor).not.toBe('');
    const events = await historyOf(runId);
    expect(events.find((e) => e.cursor === cursor)).toMatchObject({
      type: 'EventReceived',
      data: { eventId: 'signal:n1', data: { text: 'hi' } },
    });
    expect(events.find((e) => e.type === 'RunPaused')).toMatchObject({
      actor: 'frank',
      data: { reason: 'audit' },
    });
    expect(events.find((e) => e.type === 'RunResumed')).toMatchObject({
      actor: 'frank',
      data: { reason: 'audit done' },
    });
    // A retried signal is the same entry, with the same cursor.
    const again = await rpc('signalRun', {
      runId,
      channel: 'notes',
      event: 'note',
      data: 1,
      eventId: 'n1',
    });
    expect(again.cursor).toBe(cursor);
    open();
    await settled(runId);
  });

  it('WatchRun ends the stream of a client that stops reading (RESOURCE_EXHAUSTED); it resumes from its cursor and misses nothing', async () => {
    const runId = await startRun();
    await until(() => calls.includes('a:gate'));
    const big = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 64; i++) {
      await rpc('signalRun', {
        runId,
        channel: 'notes',
        event: 'bulk',
        data: { i, big },
        eventId: `b${i}`,
      });
    }
    open();
    await settled(runId);
    const total = (await historyOf(runId)).length;

    // A client that takes one event and then stops reading for longer than the server's drain timeout.
    const seen: RunEvent[] = [];
    const stream = client.watchRun({ runId, afterCursor: '' });
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      stream.on('error', (e: ServiceError) => resolve(e));
      stream.on('end', () => resolve(undefined));
    });
    stream.on('data', (r: WatchRunResponse) => {
      seen.push(r.event!);
      if (seen.length === 1) {
        stream.pause();
        setTimeout(() => stream.resume(), 1500);
      }
    });
    const err = await ended;
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(readErrorDetail(err!.metadata)?.code).toBe('BATON_E_WATCH_TOO_SLOW');
    expect(seen.length).toBeLessThan(total);

    // Resuming from the last cursor received gives exactly the rest.
    const rest: RunEvent[] = [];
    const again = client.watchRun({ runId, afterCursor: seen.at(-1)!.cursor });
    await new Promise<void>((resolve, reject) => {
      again.on('data', (r: WatchRunResponse) => rest.push(r.event!));
      again.on('end', () => resolve());
      again.on('error', reject);
    });
    expect([...seen, ...rest].map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 60_000);
});
