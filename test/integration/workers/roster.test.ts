// AgentService's roster over loopback: RegisterAgent, ListAgents (filters, pages, connected
// workers), ListWorkers (the worker, its routes and capacity, while it is connected), DeregisterAgent, and a registered agent's tasks waiting for the worker that serves it.

import type { ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Agent,
  DeregisterAgentResponse,
  ListAgentsResponse,
  ListWorkersResponse,
  RegisterAgentResponse,
} from '../../../src/api/gen/baton/v1/agent.js';
import { failureOf, serve, status, TestWorker, until, workflow, type Served } from './harness.js';

let s: Served;
beforeAll(async () => {
  s = await serve(300);
});
afterAll(async () => {
  await s.close();
});

const agent = (agentId: string, extra: Partial<Agent> = {}): Agent => ({
  agentId,
  type: 'llm',
  capabilities: ['search'],
  maxInstances: 2,
  cpu: '500m',
  memory: '256Mi',
  connectedWorkers: 0,
  ...extra,
});

type Cb<T> = (e: ServiceError | null, r: T) => void;
const rpc = <T>(fn: (cb: Cb<T>) => unknown): Promise<T> =>
  new Promise((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));
const register = (a: Agent) => rpc<RegisterAgentResponse>((cb) => s.client.registerAgent({ agent: a }, cb));
const list = (capabilities: string[] = [], pageSize = 0, pageToken = '') =>
  rpc<ListAgentsResponse>((cb) => s.client.listAgents({ capabilities, pageSize, pageToken }, cb));
const workers = () => rpc<ListWorkersResponse>((cb) => s.client.listWorkers({}, cb));
const deregister = (agentId: string) =>
  rpc<DeregisterAgentResponse>((cb) => s.client.deregisterAgent({ agentId }, cb));
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: ServiceError) => failureOf(e),
  );

describe('AgentService roster', () => {
  it('registers agents, lists them in pages and by capability, and deregisters them', async () => {
    expect((await register(agent('alpha'))).agent).toMatchObject({ agentId: 'alpha', cpu: '500m' });
    await register(agent('beta', { capabilities: ['search', 'write'] }));
    await register(agent('gamma', { capabilities: ['write'] }));
    // The same definition again is accepted; a different one is ALREADY_EXISTS.
    await register(agent('alpha'));
    expect(await refusal(register(agent('alpha', { type: 'tool' })))).toMatchObject({
      code: status.ALREADY_EXISTS,
      errorCode: 'BATON_E_AGENT_EXISTS',
    });

    const first = await list([], 2);
    expect(first.agents.map((a) => a.agentId)).toEqual(['alpha', 'beta']);
    const second = await list([], 2, first.nextPageToken);
    expect(second.agents.map((a) => a.agentId)).toEqual(['gamma']);
    expect(second.nextPageToken).toBe('');
    expect((await list(['write'])).agents.map((a) => a.agentId)).toEqual(['beta', 'gamma']);

    await deregister('gamma');
    expect((await list(['write'])).agents.map((a) => a.agentId)).toEqual(['beta']);
    expect(await refusal(deregister('gamma'))).toMatchObject({
      code: status.NOT_FOUND,
      errorCode: 'BATON_E_AGENT_NOT_REGISTERED',
    });
  });

  it('names the bad field of a registration and of a page token', async () => {
    expect(await refusal(register(agent('')))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fieldPath: 'agent.agent_id',
    });
    expect(await refusal(register(agent('delta', { cpu: 'lots' })))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fieldPath: 'agent.cpu',
    });
    expect(await refusal(register(agent('delta', { type: '' })))).toMatchObject({ fieldPath: 'agent.type' });
    expect(await refusal(list([], 1, 'not-a-token'))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fieldPath: 'page_token',
    });
  });

  it("a registered agent's task waits for a worker, which then takes it; connected_workers counts it", async () => {
    await register(agent('later', { capabilities: ['x'] }));
    const run = await s.app.engine.start(
      workflow({
        agents: { later: { type: 'llm', capabilities: ['x'] } },
        tasks: [{ id: 't', agent: 'later' }],
      }),
      { n: 1 },
    );
    // Dispatched (journaled) and waiting on the bus: no worker serves `later` yet.
    for (let i = 0; i < 400 && !(await dispatched(run.runId)); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await dispatched(run.runId)).toBe(true);
    // ListWorkers: no worker yet.
    expect((await workers()).workers).toEqual([]);
    const w = new TestWorker(s.client, {
      workerId: 'late-comer',
      agentIds: ['later'],
      capacity: 3,
      handle: () => ({ ok: true }),
    });
    await w.welcome;
    expect((await list(['x'])).agents).toEqual([
      expect.objectContaining({ agentId: 'later', connectedWorkers: 1 }),
    ]);
    expect((await workers()).workers).toEqual([
      expect.objectContaining({ workerId: 'late-comer', routes: ['later'], capacity: 3 }),
    ]);
    expect((await s.app.engine.settled(run.runId)).output).toMatchObject({ t: { ok: true } });
    await w.stop();
    await until(() => s.hub.connectedWorkers('later') === 0, 'the worker to leave');
    expect((await list(['x'])).agents[0]!.connectedWorkers).toBe(0);
    expect((await workers()).workers).toEqual([]);
  });

  it('refuses to start a workflow whose unendpointed agent is neither registered nor served', async () => {
    await expect(
      s.app.engine.start(
        workflow({
          agents: { ghost: { type: 'llm', capabilities: ['x'] } },
          tasks: [{ id: 't', agent: 'ghost' }],
        }),
        {},
      ),
    ).rejects.toMatchObject({ code: 'BATON_E_AGENT_UNBOUND' });
  });
});

async function dispatched(runId: string): Promise<boolean> {
  const records = await s.app.store.read(s.app.engine.namespace, runId);
  return records.some((r) => r.type === 'TaskDispatched');
}
