// Human input for remote A2A agents: a real @a2a-js/sdk agent in a separate process asks a question
// (input-required); Engine.provideInput journals the answer and sends it as the next message of the same
// remote task. Checked: what the run shows, what the agent saw (one task, same task and context id), the
// coded refusals, the answer reaching a run another engine drives, a restart while waiting, a timeout.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { A2AConnections, A2ACredentials } from '../../../src/agents/a2a/index.js';
import { BatonError } from '../../../src/errors/registry.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { AgentServer, until, type AgentConfig } from './agents.js';

let tmp: string;
let server: AgentServer;
let dir: string;
const apps: App[] = [];

const AGENTS: AgentConfig[] = [
  { name: 'asks', mode: 'input' },
  { name: 'asks-poll', mode: 'input', streaming: false },
  { name: 'asks-twice', mode: 'input', questions: 2 },
];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'baton-input-'));
  server = await AgentServer.start(AGENTS, join(tmp, 'agents.log'));
});
afterAll(async () => {
  await server.kill();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmp, 'data-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function app(): Promise<App> {
  const connections = new A2AConnections({ credentials: new A2ACredentials({}, undefined, {}) });
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    a2a: { limits: { pollMaxMs: 100 }, connections },
  });
  apps.push(a);
  return a;
}

function wf(agent: string, task: Record<string, unknown> = {}): WorkflowSpec {
  return Workflow.parse({
    name: 'input',
    version: '1',
    agents: { q: { type: 'remote', endpoint: { a2a: server.url(agent) } } },
    tasks: [{ id: 'ask', agent: 'q', ...task }],
  });
}

async function waitingQuestion(a: App, runId: string, question?: string): Promise<void> {
  await until(async () => {
    const w = (await a.engine.status(runId)).baton.input_required;
    return w !== undefined && (question === undefined || w[0]?.question === question);
  }, 'the question');
}

type Entry = { readonly type: string } & Record<string, unknown>;
const journal = async (a: App, runId: string): Promise<Entry[]> =>
  (await a.store.read('default', runId)).map((r): Entry => ({ ...(r.data as object), type: r.type }));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BatonError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('answering a remote agent that waits for input', () => {
  for (const agent of ['asks', 'asks-poll']) {
    it(`(${agent}) the answer goes to the same remote task, and the run completes with it`, async () => {
      const a = await app();
      const actor = await a.engine.start(wf(agent, { input: { topic: '"rain"' } }), {});
      await waitingQuestion(a, actor.runId);
      const delivery = await a.engine.provideInput(actor.runId, 'ask', { year: 2025 }, { requestId: 'r1' });
      expect(delivery).toMatchObject({ key: 'ask', attempt: 1 });
      const final = await a.engine.settled(actor.runId);
      expect(final.status).toBe('completed');
      expect(final.output).toEqual({
        ask: { answer: { data: { year: 2025 }, text: '' }, answers: [{ data: { year: 2025 }, text: '' }] },
      });
      const seen = server.messages(agent).filter((m) => m.contextId === `${actor.runId}/q`);
      // One remote task: the task message, then the answer as a follow-up of the same task and context.
      expect(seen).toHaveLength(2);
      expect(new Set(seen.map((m) => m.taskId)).size).toBe(1);
      expect(seen.map((m) => m.followUp)).toEqual([false, true]);
      const entries = await journal(a, actor.runId);
      const provided = entries.find((e) => e.type === 'TaskInputProvided')!;
      expect(provided).toMatchObject({ key: 'ask', attempt: 1, input: { year: 2025 }, request_id: 'r1' });
      expect(provided.seq ?? delivery.seq).toBeDefined();
      expect(seen[1]!.messageId).toBe(`${final.units.get('ask')!.idem}:input:${delivery.seq}`);
      // The answer was journaled before the agent finished.
      const order = entries.map((e) => e.type);
      expect(order.indexOf('TaskInputProvided')).toBeGreaterThan(order.indexOf('TaskInputRequired'));
      expect(order.indexOf('TaskInputProvided')).toBeLessThan(order.indexOf('TaskCompleted'));
    });
  }

  it('a second question waits again; text answers travel as text', async () => {
    const a = await app();
    const actor = await a.engine.start(wf('asks-twice'), {});
    await waitingQuestion(a, actor.runId, 'Which year should I look at?');
    await a.engine.provideInput(actor.runId, 'ask', '2025');
    await waitingQuestion(a, actor.runId, 'And question 2?');
    await a.engine.provideInput(actor.runId, 'ask', 'March');
    const final = await a.engine.settled(actor.runId);
    expect(final.output).toEqual({
      ask: {
        answer: { data: null, text: 'March' },
        answers: [
          { data: null, text: '2025' },
          { data: null, text: 'March' },
        ],
      },
    });
    expect(
      new Set(
        server
          .messages('asks-twice')
          .filter((m) => m.contextId === `${actor.runId}/q`)
          .map((m) => m.taskId),
      ).size,
    ).toBe(1);
  });

  it('a request id already used for an answer takes the same answer again as a retry and refuses another one', async () => {
    const a = await app();
    const actor = await a.engine.start(wf('asks-twice'), {});
    await waitingQuestion(a, actor.runId, 'Which year should I look at?');
    const first = await a.engine.provideInput(actor.runId, 'ask', { year: 2025 }, { requestId: 'answer-1' });
    // The agent asks again: the task waits, and the request id is this attempt's first answer.
    await waitingQuestion(a, actor.runId, 'And question 2?');
    const again = await a.engine.provideInput(actor.runId, 'ask', { year: 2025 }, { requestId: 'answer-1' });
    expect(again.seq).toBe(first.seq);
    expect(
      await codeOf(a.engine.provideInput(actor.runId, 'ask', { year: 1999 }, { requestId: 'answer-1' })),
    ).toMatch(
      /^BATON_E_REQUEST_ID_REUSED: request id "answer-1" already answered task "ask" of run "run_.*" \(entry \d+\) with another answer/,
    );
    await a.engine.provideInput(actor.runId, 'ask', 'March', { requestId: 'answer-2' });
    const final = await a.engine.settled(actor.runId);
    expect(final.output).toMatchObject({ ask: { answer: { text: 'March' } } });
    const provided = (await journal(a, actor.runId)).filter((e) => e.type === 'TaskInputProvided');
    expect(provided.map((e) => (e as { request_id?: string }).request_id)).toEqual(['answer-1', 'answer-2']);
  });

  it('refuses with a coded error a task that does not wait, an unknown run, a run that ended; a retried answer is taken once', async () => {
    const a = await app();
    const actor = await a.engine.start(wf('asks'), {});
    expect(await codeOf(a.engine.provideInput('run_nope', 'ask', 1))).toMatch(/^BATON_E_RUN_NOT_FOUND/);
    await waitingQuestion(a, actor.runId);
    expect(await codeOf(a.engine.provideInput(actor.runId, 'nope', 1))).toMatch(
      /^BATON_E_NOT_WAITING_FOR_INPUT: task "nope" of run "run_.*" does not wait for input: the run has no such task/,
    );
    await a.engine.provideInput(actor.runId, 'ask', 1, { requestId: 'same' });
    // The same request again (a retry): taken once, no error; another answer: the task no longer waits.
    await a.engine.provideInput(actor.runId, 'ask', 1, { requestId: 'same' }).catch((e: unknown) => {
      // The agent may have finished already: then the run has ended.
      expect(e).toMatchObject({ code: 'BATON_E_RUN_ENDED' });
    });
    await a.engine.settled(actor.runId);
    expect(await codeOf(a.engine.provideInput(actor.runId, 'ask', 2))).toMatch(/^BATON_E_RUN_ENDED/);
    const provided = (await journal(a, actor.runId)).filter((e) => e.type === 'TaskInputProvided');
    expect(provided).toHaveLength(1);
  });

  it('reaches a run that another engine drives, through its inbox', async () => {
    const owner = await app();
    const other = await app();
    const actor = await owner.engine.start(wf('asks'), {});
    await waitingQuestion(owner, actor.runId);
    expect(await codeOf(other.engine.provideInput(actor.runId, 'ask#2', 1))).toMatch(
      /^BATON_E_NOT_WAITING_FOR_INPUT/,
    );
    const delivery = await other.engine.provideInput(actor.runId, 'ask', { via: 'inbox' });
    expect(delivery.seq).toBeGreaterThan(0);
    const final = await owner.engine.settled(actor.runId);
    expect(final.output).toMatchObject({ ask: { answer: { data: { via: 'inbox' } } } });
  });

  it('survives a restart while waiting: the resumed run re-attaches and sends the answer to the same task', async () => {
    const first = await app();
    const actor = await first.engine.start(wf('asks'), {});
    await waitingQuestion(first, actor.runId);
    // Stops driving the run (released: the kill -9 case is test/e2e/a2a-input.test.ts).
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const second = await app();
    // Nobody drives the run: the answer waits in its inbox...
    const queued = await second.engine.provideInput(actor.runId, 'ask', { after: 'restart' });
    expect(queued.seq).toBeUndefined();
    // ...and the process that resumes it journals and sends it.
    await second.engine.resume(actor.runId);
    const final = await second.engine.settled(actor.runId);
    expect(final.output).toMatchObject({ ask: { answer: { data: { after: 'restart' } } } });
    const seen = server.messages('asks').filter((m) => m.contextId === `${actor.runId}/q`);
    expect(seen.filter((m) => !m.followUp)).toHaveLength(1);
    expect(new Set(seen.map((m) => m.taskId)).size).toBe(1);
  });

  it('the task timeout still applies while waiting: the remote task is cancelled and the attempt times out', async () => {
    const a = await app();
    const actor = await a.engine.start(wf('asks', { timeout: '1s', retry: { max_attempts: 1 } }), {});
    await waitingQuestion(a, actor.runId);
    const final = await a.engine.settled(actor.runId);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_TIMEOUT', key: 'ask' });
    const task = server.messages('asks').find((m) => m.contextId === `${actor.runId}/q`)!.taskId;
    expect(server.cancels('asks').map((c) => c.taskId)).toContain(task);
    expect(await codeOf(a.engine.provideInput(actor.runId, 'ask', 1))).toMatch(/^BATON_E_RUN_ENDED/);
  });
});
