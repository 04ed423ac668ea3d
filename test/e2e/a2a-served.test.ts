// Workflows served as A2A agents by `baton serve --http`, driven as any A2A caller drives them: the
// @a2a-js/sdk client over JSON-RPC, HTTP+JSON and gRPC (SendMessage, its retry, GetTask, ListTasks,
// streams, SubscribeToTask, CancelTask with compensation), plain HTTP for the spec's errors, and a served
// workflow whose agent is another server's served workflow (`endpoint: { a2a: URL }`).

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client as GrpcClient, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Role, TaskState, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServer } from '../integration/a2a/agents.js';
import { tempDir } from './cli-helpers.js';
import { serve, SLOW, TRIO, type Binding, type Served } from './a2a-served-harness.js';

const tmp = tempDir();
let server: Served;

beforeAll(async () => {
  server = await serve(join(tmp.dir, 'one'));
  await server.register(TRIO);
  await server.register(SLOW);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

function message(parts: Message['parts'], messageId: string = randomUUID()): Message {
  return {
    messageId,
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}
const data = (value: unknown): Message['parts'][number] => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});
const text = (value: string): Message['parts'][number] => ({
  content: { $case: 'text', value },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});
const send = (m: Message, returnImmediately = false) => ({
  tenant: '',
  message: m,
  configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately },
  metadata: undefined,
});
const outputOf = (t: Task): unknown => {
  const p = t.artifacts[0]?.parts[0]?.content;
  return p?.$case === 'data' ? p.value : undefined;
};
const asTask = (r: unknown): Task => {
  expect((r as Task).status).toBeDefined();
  return r as Task;
};

async function collect(stream: AsyncGenerator<StreamResponse>): Promise<StreamResponse[]> {
  const out: StreamResponse[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('agent cards', () => {
  it('GET /a2a lists every workflow; each card names its three transports', async () => {
    const list = (await (await fetch(`${server.http}/a2a`)).json()) as { agents: Array<{ name: string }> };
    expect(list.agents.map((a) => a.name).sort()).toEqual(['slow', 'trio']);
    const res = await fetch(`${server.http}/a2a/trio/.well-known/agent-card.json`, {
      headers: { 'A2A-Version': '1.0' },
    });
    expect(res.status).toBe(200);
    const card = (await res.json()) as {
      version: string;
      capabilities: { streaming: boolean; pushNotifications: boolean };
      skills: Array<{ id: string; description: string }>;
      supportedInterfaces: Array<{
        url: string;
        protocolBinding: string;
        tenant?: string;
        protocolVersion: string;
      }>;
    };
    expect(card.version).toBe('1');
    expect(card.capabilities).toMatchObject({ streaming: true, pushNotifications: false });
    expect(card.skills[0]!.description).toMatch(/topic \(string\), required/);
    const v1 = card.supportedInterfaces.filter((i) => i.protocolVersion === '1.0');
    expect(v1).toEqual([
      expect.objectContaining({ url: `${server.http}/a2a/trio`, protocolBinding: 'JSONRPC' }),
      expect.objectContaining({ url: `${server.http}/a2a/trio/rest`, protocolBinding: 'HTTP+JSON' }),
      expect.objectContaining({ url: server.grpc, protocolBinding: 'GRPC', tenant: 'trio' }),
    ]);
  });
});

describe.each<Binding>(['JSONRPC', 'HTTP+JSON', 'GRPC'])('over %s', (binding) => {
  it('SendMessage runs the workflow to its output; the same message again finds the same run', async () => {
    const client = await server.client('trio', binding);
    const m = message([data({ topic: binding })]);
    const task = asTask(await client.sendMessage(send(m)));
    expect(task.id).toMatch(/^run_/);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(outputOf(task)).toEqual({
      three: {
        task: 'three',
        got: { prev: { task: 'two', got: { prev: { task: 'one', got: { topic: binding } } } } },
      },
    });
    const again = asTask(await client.sendMessage(send(m)));
    expect(again.id).toBe(task.id);
    const got = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(got.contextId).toBe(task.contextId);
    const listed = await client.listTasks({
      tenant: '',
      contextId: task.contextId,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(listed.tasks.map((t) => t.id)).toEqual([task.id]);
    expect(listed.totalSize).toBe(1);
    expect(outputOf(listed.tasks[0]!)).toEqual(outputOf(task));
  });

  it('another message under a message id already sent is refused, naming the id; the first message still finds its run', async () => {
    const client = await server.client('trio', binding);
    const id = `reused-${binding.replace(/\W/g, '')}`; // no regex characters
    const task = asTask(await client.sendMessage(send(message([data({ topic: 'first' })], id))));
    const reused = client.sendMessage(send(message([data({ topic: 'second' })], id)));
    await expect(reused).rejects.toThrow(
      new RegExp(
        `BATON_E_REQUEST_ID_REUSED: message id "${id}" was already sent .*${task.id}: its input differs`,
      ),
    );
    const again = asTask(await client.sendMessage(send(message([data({ topic: 'first' })], id))));
    expect(again.id).toBe(task.id);
  });

  it('text parts are the one declared string input; the context id given is kept', async () => {
    const client = await server.client('trio', binding);
    const contextId = `ctx-${binding}`;
    const task = asTask(await client.sendMessage(send({ ...message([text('bees')]), contextId })));
    expect(task.contextId).toBe(contextId);
    expect(JSON.stringify(outputOf(task))).toContain('"topic":"bees"');
  });

  it('SendStreamingMessage: the task first, then its progress, its output artifact and the final status', async () => {
    const client = await server.client('slow', binding);
    const events = await collect(client.sendMessageStream(send(message([data({ ms: 300 })]))));
    expect(events[0]!.payload?.$case).toBe('task');
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds).toContain('statusUpdate');
    const artifact = events.find((e) => e.payload?.$case === 'artifactUpdate');
    expect(
      artifact?.payload?.$case === 'artifactUpdate' && artifact.payload.value.artifact?.parts[0]?.content,
    ).toEqual({ $case: 'data', value: { wait: { slept: 300 } } });
    const last = events.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('SubscribeToTask follows a run to its end; an ended task cannot be subscribed to', async () => {
    const client = await server.client('slow', binding);
    const started = asTask(await client.sendMessage(send(message([data({ ms: 400 })]), true)));
    expect(started.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const events = await collect(client.resubscribeTask({ tenant: '', id: started.id }));
    expect(events[0]!.payload?.$case).toBe('task');
    const last = events.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    await expect(collect(client.resubscribeTask({ tenant: '', id: started.id }))).rejects.toThrow(
      /has ended/,
    );
  });

  it('CancelTask cancels the run and compensates what completed', async () => {
    const client = await server.client('slow', binding);
    const started = asTask(await client.sendMessage(send(message([data({ ms: 60_000 })]), true)));
    // Once `wait` runs, `reserve` has completed: the cancel compensates it.
    for (let i = 0; i < 200; i++) {
      const t = await client.getTask({ tenant: '', id: started.id, historyLength: undefined });
      if ((t.metadata?.baton as { phase?: string } | undefined)?.phase === 'wait') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((cancelled.metadata?.baton as { compensated: string[] }).compensated).toEqual(['reserve']);
    await expect(client.cancelTask({ tenant: '', id: started.id, metadata: undefined })).rejects.toThrow(
      /has ended/,
    );
  });

  it('GetTask of an unknown task is TaskNotFound', async () => {
    const client = await server.client('trio', binding);
    await expect(client.getTask({ tenant: '', id: 'run_nope', historyLength: undefined })).rejects.toThrow(
      /does not exist/,
    );
  });
});

describe('plain HTTP requests get the spec’s errors (and the server stays up)', () => {
  let ended: string;
  beforeAll(async () => {
    const client = await server.client('trio', 'JSONRPC');
    ended = asTask(await client.sendMessage(send(message([data({ topic: 'done' })])))).id;
  });
  const rpc = async (body: string | object, version = '1.0'): Promise<{ status: number; code?: number }> => {
    const res = await fetch(`${server.http}/a2a/trio`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(version !== '0.3' && { 'A2A-Version': version }) },
      body: typeof body === 'string' ? body : JSON.stringify({ jsonrpc: '2.0', id: 7, ...body }),
    });
    const json = (await res.json()) as { error?: { code: number } };
    return { status: res.status, code: json.error?.code };
  };
  const sendOf = (parts: unknown[]) => ({
    method: 'SendMessage',
    params: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts } },
  });

  it.each<[string, () => string | object, number, string?]>([
    ['a body that is not JSON', () => '{bad', -32700],
    ['a batch (not a request object)', () => '[]', -32600],
    ['no jsonrpc member', () => '{"id":1,"method":"GetTask","params":{"id":"x"}}', -32600],
    ['an unknown method', () => ({ method: 'NoSuchMethod', params: {} }), -32601],
    ['params that are not an object', () => ({ method: 'GetTask', params: 3 }), -32602],
    ['an input the workflow does not declare', () => sendOf([{ data: { topc: 'x' } }]), -32602],
    ['a message without parts', () => sendOf([]), -32602],
    ['an unknown task', () => ({ method: 'GetTask', params: { id: 'run_nope' } }), -32001],
    ['a cancel of an ended task', () => ({ method: 'CancelTask', params: { id: ended } }), -32002],
    [
      'a push notification config',
      () => ({ method: 'CreateTaskPushNotificationConfig', params: { taskId: ended, url: 'http://x' } }),
      -32003,
    ],
    ['a subscription to an ended task', () => ({ method: 'SubscribeToTask', params: { id: ended } }), -32004],
    ['the extended card (there is none)', () => ({ method: 'GetExtendedAgentCard', params: {} }), -32004],
    ['files only', () => sendOf([{ url: 'http://x/f.pdf', mediaType: 'application/pdf' }]), -32005],
    ['an unsupported A2A-Version', () => ({ method: 'GetTask', params: { id: ended } }), -32009, '9.9'],
    // Params of the wrong JSON types are -32602 at the edge, never -32603 from inside the SDK or Baton.
    ['a null part', () => sendOf([null]), -32602],
    ['a task id that is a number', () => ({ method: 'GetTask', params: { id: 42 } }), -32602],
    [
      'v0.3: acceptedOutputModes that is not a list',
      () => ({
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: randomUUID(),
            role: 'user',
            parts: [{ kind: 'text', text: 'x' }],
          },
          configuration: { acceptedOutputModes: 5 },
        },
      }),
      -32602,
      '0.3',
    ],
    ['v0.3: a task id that is an object', () => ({ method: 'tasks/get', params: { id: {} } }), -32602, '0.3'],
    ['v0.3: a cancel without a task id', () => ({ method: 'tasks/cancel', params: {} }), -32602, '0.3'],
    [
      'v0.3: a null push config',
      () => ({
        method: 'tasks/pushNotificationConfig/set',
        params: { taskId: ended, pushNotificationConfig: null },
      }),
      -32602,
      '0.3',
    ],
  ])('JSON-RPC: %s -> %i', async (_what, body, code, version) => {
    expect(await rpc(body(), version)).toEqual({ status: 200, code });
  });

  it('JSON-RPC: a message id reused for another message is -32602 naming the id', async () => {
    const messageId = randomUUID();
    const sent = (topic: string) => ({
      method: 'SendMessage',
      params: { message: { messageId, role: 'ROLE_USER', parts: [{ data: { topic } }] } },
    });
    expect(await rpc(sent('a'))).toEqual({ status: 200, code: undefined });
    const res = await fetch(`${server.http}/a2a/trio`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, ...sent('b') }),
    });
    const { error } = (await res.json()) as { error?: { code: number; message: string } };
    expect(error?.code).toBe(-32602);
    expect(error?.message).toContain(`message id "${messageId}"`);
  });

  it('JSON-RPC: a param of the wrong type is named by its path', async () => {
    const res = await fetch(`${server.http}/a2a/trio`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, ...sendOf([{ text: 'a' }, null]) }),
    });
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: -32602,
        message: 'Invalid params of SendMessage: message.parts.1 must be an object, not null',
      },
    });
  });

  it('HTTP+JSON: statuses per the spec', async () => {
    const rest = (path: string, init: RequestInit = {}) =>
      fetch(`${server.http}/a2a/trio/rest${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...init.headers },
      });
    const notFound = await rest('/tasks/run_nope');
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    expect((await rest(`/tasks/${ended}:cancel`, { method: 'POST', body: '{}' })).status).toBe(400);
    expect((await rest('/message:send', { method: 'POST', body: '{bad' })).status).toBe(400);
    expect((await rest('/tasks?pageSize=150')).status).toBe(400);
    // A send body of the wrong JSON types: 400 naming the field (v1.0 and v0.3 paths), not a 500.
    const nullPart = await rest('/message:send', { method: 'POST', body: '{"message":{"parts":[null]}}' });
    expect(nullPart.status).toBe(400);
    expect(((await nullPart.json()) as { error: { message: string } }).error.message).toMatch(
      /message\.parts\.0/,
    );
    const v03 = await rest('/v1/message:send', {
      method: 'POST',
      body: '{"message":{"messageId":"m","parts":7}}',
    });
    expect(v03.status).toBe(400);
    const big = JSON.stringify({
      message: { messageId: 'big', parts: [{ text: 'x'.repeat(5 * 1024 * 1024) }] },
    });
    expect((await rest('/message:send', { method: 'POST', body: big })).status).toBe(413);
    const listed = await rest('/tasks?pageSize=1');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { tasks: unknown[]; nextPageToken: string }).nextPageToken).not.toBe('');
  });

  it('gRPC: a tenant that names no workflow is INVALID_ARGUMENT, and the service stays up', async () => {
    const wrong = await server.client('trio', 'GRPC', 'nope');
    await expect(wrong.getTask({ tenant: '', id: ended, historyLength: undefined })).rejects.toThrow(
      /no workflow named "nope"/,
    );
    const right = await server.client('trio', 'GRPC');
    const got = await right.getTask({ tenant: '', id: ended, historyLength: undefined });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('gRPC: bytes that are not the request are INVALID_ARGUMENT naming the method, not INTERNAL', async () => {
    const raw = new GrpcClient(server.grpc, credentials.createInsecure());
    const same = (b: Buffer) => b;
    // Field 1 (tenant) as a string holding invalid UTF-8, then garbage.
    const bytes = Buffer.from([0x0a, 0x02, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    const err = await new Promise<ServiceError | null>((resolve) =>
      raw.makeUnaryRequest('/lf.a2a.v1.A2AService/GetTask', same, same, bytes, new Metadata(), {}, (e) =>
        resolve(e),
      ),
    );
    raw.close();
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/lf\.a2a\.v1\.A2AService\/GetTask request could not be decoded/);
    const right = await server.client('trio', 'GRPC');
    expect((await right.getTask({ tenant: '', id: ended, historyLength: undefined })).id).toBe(ended);
  });

  it('an unknown workflow is a 404; a request without A2A-Version speaks v0.3', async () => {
    const unknown = await fetch(`${server.http}/a2a/nope`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
      'BATON_E_WORKFLOW_NOT_FOUND',
    );
    const legacy = await fetch(`${server.http}/a2a/trio`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: randomUUID(),
            role: 'user',
            parts: [{ kind: 'text', text: 'v03' }],
          },
        },
      }),
    });
    const result = ((await legacy.json()) as { result: { kind: string; status: { state: string } } }).result;
    expect(result).toMatchObject({ kind: 'task', status: { state: 'completed' } });
    expect((await fetch(`${server.http}/a2a`)).status).toBe(200);
  });
});

describe('a served workflow whose agent is another server’s served workflow', () => {
  let caller: Served;
  beforeAll(async () => {
    caller = await serve(join(tmp.dir, 'two'));
    await caller.register(`workflow:
  name: relay
  version: "1"
  inputs:
    topic: { type: string, required: true }
  agents:
    remote: { type: t, endpoint: { a2a: "${server.http}/a2a/trio" } }
  tasks:
    - { id: ask, agent: remote, input: { topic: "input.topic" } }
`);
  }, 60_000);
  afterAll(() => caller?.stop());

  it('SendMessage to relay runs trio on the other server through A2A and returns its output', async () => {
    const client = await caller.client('relay', 'JSONRPC');
    const task = asTask(await client.sendMessage(send(message([data({ topic: 'chained' })]))));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const inner = (outputOf(task) as { ask: unknown }).ask;
    expect(JSON.stringify(inner)).toContain('"topic":"chained"');
    // The other server ran one trio run for it, in the context relay's run gave it.
    const trio = await server.client('trio', 'JSONRPC');
    const theirs = await trio.listTasks({
      tenant: '',
      contextId: `${task.id}/remote`,
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(theirs.tasks.map((t) => t.status?.state)).toEqual([TaskState.TASK_STATE_COMPLETED]);
  });
});

describe('input-required both ways: a served run whose agent asks a question asks its A2A caller', () => {
  let agents: AgentServer;
  beforeAll(async () => {
    agents = await AgentServer.start([{ name: 'asks', mode: 'input' }], join(tmp.dir, 'agents.log'));
    await server.register(`workflow:
  name: clerk
  version: "1"
  agents:
    clerk: { type: clerk, endpoint: { a2a: "${agents.url('asks')}" } }
  tasks:
    - { id: ask, agent: clerk, timeout: 5m, input: { topic: "'rain'" } }
`);
  }, 60_000);
  afterAll(() => agents?.kill());

  it.each<Binding>(['JSONRPC', 'GRPC'])(
    'over %s: SendMessage answers input-required with the question; the answer (same task id) completes the run',
    async (binding) => {
      const client = await server.client('clerk', binding);
      const asked = asTask(await client.sendMessage(send(message([data({})]))));
      expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      const q = asked.status?.message?.parts[0]?.content;
      expect(q).toEqual({ $case: 'text', value: 'Which year should I look at?' });
      // The answer: a message naming the task; resent (same message id), it counts once.
      const answer = { ...message([text('1999')]), taskId: asked.id, contextId: asked.contextId };
      const done = asTask(await client.sendMessage(send(answer)));
      expect(done.id).toBe(asked.id);
      expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(JSON.stringify(outputOf(done))).toContain('"text":"1999"');
      await expect(client.sendMessage(send(answer))).rejects.toThrow(/has ended/);
    },
  );

  it('SendStreamingMessage shows the question as an input-required status, and goes on after the answer', async () => {
    const client = await server.client('clerk', 'HTTP+JSON');
    const seen: StreamResponse[] = [];
    let taskId = '';
    for await (const e of client.sendMessageStream(send(message([data({})])))) {
      seen.push(e);
      if (e.payload?.$case === 'task') taskId = e.payload.value.id;
      if (
        e.payload?.$case === 'statusUpdate' &&
        e.payload.value.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED
      )
        break;
    }
    expect(taskId).not.toBe('');
    const rest = await collect(
      client.sendMessageStream(send({ ...message([data({ year: 2001 })]), taskId })),
    );
    expect(rest[0]!.payload?.$case).toBe('task');
    const last = rest.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
