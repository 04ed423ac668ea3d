// The A2A edge in process (an engine on SQLite, the HTTP listener on loopback), for what a child process
// hides: a stream whose caller goes away stops following the run (no call, no feed listener left), and
// a stream cut short is resumed by SubscribeToTask without losing or repeating an entry.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Role, TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2AEdge } from '../../../src/a2a/index.js';
import { openCalls } from '../../../src/a2a/call-signals.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { openApp, type App } from '../../../src/app.js';
import { HttpListener } from '../../../src/http/http-listener.js';
import { checkWorkflowSource } from '../../../src/plan/index.js';

let dir: string;
let app: App;
let http: HttpListener;
let base: string;
const feed = new RunFeed();
/** Attempts of the `hold` agent wait until released, in order. */
const held: Array<() => void> = [];

const SOURCE = `workflow:
  name: held
  version: "1"
  agents:
    hold: { type: t }
  tasks:
    - { id: one, agent: hold }
    - { id: two, agent: hold, depends_on: [one] }
    - { id: three, agent: hold, depends_on: [two] }
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-a2a-edge-'));
  app = await openApp({
    dataDir: join(dir, 'data'),
    onTurn: feed.publish,
    adapterFor: () =>
      inProcessAdapter(
        ({ taskId, signal }) =>
          new Promise((resolve, reject) => {
            held.push(() => resolve({ done: taskId }));
            signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      ),
  });
  const r = checkWorkflowSource(SOURCE);
  if (!r.ok) throw new Error('the test workflow does not check');
  await app.store.putWorkflow(app.engine.namespace, {
    name: 'held',
    version: '1',
    source: SOURCE,
    spec: r.spec,
  });
  const edge = new A2AEdge({
    engine: app.engine,
    store: app.store,
    namespace: app.engine.namespace,
    feed,
    baseDir: dir,
  });
  http = new HttpListener();
  http.mount('/a2a', edge.router());
  const port = await http.listen('127.0.0.1:0');
  edge.boundAt({ http: `127.0.0.1:${port}` });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await http.close(0);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

async function startHeld(client: Client): Promise<Task> {
  const r = await client.sendMessage({
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId: '',
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'data', value: {} },
          metadata: undefined,
          filename: '',
          mediaType: 'application/json',
        },
      ],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: true,
    },
    metadata: undefined,
  });
  return r as Task;
}

const seqOf = (e: StreamResponse): number => {
  const p = e.payload!;
  const meta = (p.$case === 'task' ? p.value.metadata : p.value.metadata) as { baton: { seq: number } };
  return meta.baton.seq;
};

describe('served streams', () => {
  it('a stream whose caller goes away stops following the run', async () => {
    const client = await new ClientFactory().createFromUrl(
      `${base}/a2a/held/.well-known/agent-card.json`,
      '',
    );
    const task = await startHeld(client);
    await until('the first attempt', () => held.length === 1);
    const ac = new AbortController();
    const res = await fetch(`${base}/a2a/held/rest/tasks/${task.id}:subscribe`, {
      headers: { 'A2A-Version': '1.0' },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value as Uint8Array)).toContain(task.id);
    expect(openCalls()).toBe(1);
    expect(feed.size).toBe(1);
    ac.abort();
    await until('the stream to stop following', () => openCalls() === 0 && feed.size === 0);
    // The run goes on without its watcher.
    held.shift()!();
    await until('the second attempt', () => held.length === 1);
    held.shift()!();
    await until('the third attempt', () => held.length === 1);
    held.shift()!();
    expect((await app.engine.settled(task.id)).status).toBe('completed');
  });

  it('a stream cut short resumes with SubscribeToTask: nothing lost, nothing repeated', async () => {
    const client = await new ClientFactory().createFromUrl(
      `${base}/a2a/held/.well-known/agent-card.json`,
      '',
    );
    const task = await startHeld(client);
    await until('the first attempt', () => held.length === 1);
    const first: StreamResponse[] = [];
    for await (const e of client.resubscribeTask({ tenant: '', id: task.id })) {
      first.push(e);
      if (first.length === 1) held.shift()!(); // task one completes while the stream is open
      if (
        e.payload?.$case === 'statusUpdate' &&
        /one completed/.test(JSON.stringify(e.payload.value.status?.message))
      )
        break;
    }
    await until('the second attempt', () => held.length === 1);
    held.shift()!(); // two completes while nobody follows
    await until('the third attempt', () => held.length === 1);
    const second: StreamResponse[] = [];
    for await (const e of client.resubscribeTask({ tenant: '', id: task.id })) {
      second.push(e);
      if (second.length === 1) held.shift()!();
    }
    const seqs = [...first, ...second].map(seqOf);
    // The resumed stream starts at a task no older than what the first one saw, then only newer entries.
    expect(seqOf(second[0]!)).toBeGreaterThan(seqOf(first.at(-1)!));
    const after = second.slice(1).map(seqOf);
    expect(after).toEqual([...after].sort((a, b) => a - b));
    expect(after[0]).toBeGreaterThan(seqOf(second[0]!));
    expect(seqs.length).toBeGreaterThan(3);
    const resumedTask = second[0]!.payload;
    expect(
      resumedTask?.$case === 'task' && (resumedTask.value.metadata?.baton as { phase: string }).phase,
    ).toBe('three');
    const last = second.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const done = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(done.artifacts[0]?.parts[0]?.content).toEqual({
      $case: 'data',
      value: { three: { done: 'three' } },
    });
  });
});
