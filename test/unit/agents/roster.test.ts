import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { completed, type AgentAdapter } from '../../../src/agents/adapter.js';
import { AgentRoster, type AgentLease } from '../../../src/agents/roster.js';
import type { AgentSpec, ResourceConstraintsSpec } from '../../../src/spec/schema.js';
import { isSettled } from './invocation.js';

const adapter: AgentAdapter = { invoke: () => Promise.resolve(completed([], null)) };

function agent(o: Partial<AgentSpec> = {}): AgentSpec {
  return { type: 't', capabilities: [], ...o };
}

function roster(agents: Record<string, AgentSpec>, constraints?: ResourceConstraintsSpec) {
  return new AgentRoster(agents, () => adapter, constraints);
}

describe('agent roster: finding agents', () => {
  it('binds each declared agent to the adapter its factory makes, once', async () => {
    const made: string[] = [];
    const bind = vi.fn((id: string, spec: AgentSpec) => {
      made.push(`${id}:${spec.type}`);
      return adapter;
    });
    const r = new AgentRoster({ a: agent({ type: 'x' }), b: agent({ type: 'y' }) }, bind);
    expect(made).toEqual(['a:x', 'b:y']);
    const lease = await r.lease('b');
    expect(lease).toMatchObject({ agentId: 'b', slot: 0, adapter });
    expect(bind).toHaveBeenCalledTimes(2);
  });

  it('lists the agents that have every required capability, in declaration order', () => {
    const r = roster({
      writer: agent({ capabilities: ['draft'] }),
      researcher: agent({ capabilities: ['web_search', 'data_collection'] }),
      backup: agent({ capabilities: ['data_collection', 'web_search', 'draft'] }),
    });
    expect(r.capableAgents(['web_search', 'data_collection'])).toEqual(['researcher', 'backup']);
    expect(r.capableAgents(['draft'])).toEqual(['writer', 'backup']);
    expect(r.capableAgents(['flying'])).toEqual([]);
    expect(r.capableAgents([])).toEqual(['writer', 'researcher', 'backup']);
  });

  it('refuses an undeclared agent, naming the declared ones', async () => {
    const r = roster({ a: agent(), b: agent() });
    await expect(r.lease('c')).rejects.toMatchObject({
      code: 'BATON_E_UNKNOWN_AGENT',
      message: 'no agent "c" is declared (declared: a, b)',
    });
  });
});

describe('agent roster: instance slots', () => {
  it('honours max_instances: the next request waits until an instance is released, then reuses its slot', async () => {
    const r = roster({ w: agent({ max_instances: 2 }) });
    const a = await r.lease('w');
    const b = await r.lease('w');
    expect([a.slot, b.slot].sort()).toEqual([0, 1]);
    const c = r.lease('w');
    expect(await isSettled(c)).toBe(false);
    expect(r.usage()).toMatchObject({ agents: 2, queued: 1, byAgent: { w: 2 } });
    a.release();
    expect((await c).slot).toBe(a.slot);
    expect(r.usage()).toMatchObject({ agents: 2, queued: 0 });
  });

  it('defaults max_instances to 1 and serves waiters in arrival order', async () => {
    const r = roster({ w: agent() });
    const first = await r.lease('w');
    const order: string[] = [];
    const waiting = ['second', 'third', 'fourth'].map((name) =>
      r.lease('w').then((l) => {
        order.push(name);
        return l;
      }),
    );
    let held = first;
    for (const next of waiting) {
      held.release();
      held = await next;
    }
    expect(order).toEqual(['second', 'third', 'fourth']);
  });

  it('a second release of the same lease frees nothing more', async () => {
    const r = roster({ w: agent({ max_instances: 3 }) }, { max_agents: 3 });
    const a = await r.lease('w');
    await r.lease('w');
    a.release();
    a.release();
    expect(r.usage()).toMatchObject({ agents: 1, byAgent: { w: 1 } });
  });
});

describe('agent roster: run quotas', () => {
  it('max_agents counts instances across agents; a release lets the oldest waiter in', async () => {
    const r = roster({ a: agent({ max_instances: 5 }), b: agent({ max_instances: 5 }) }, { max_agents: 2 });
    const a1 = await r.lease('a');
    await r.lease('b');
    const b2 = r.lease('b');
    const a2 = r.lease('a');
    expect(await isSettled(b2)).toBe(false);
    a1.release();
    expect(await isSettled(b2)).toBe(true);
    expect(await isSettled(a2)).toBe(false);
  });

  it('a large waiter blocked by the CPU quota is not overtaken by smaller requests behind it', async () => {
    const r = roster(
      {
        big: agent({ resources: { cpu: 3000 } }),
        small: agent({ max_instances: 4, resources: { cpu: 500 } }),
      },
      { max_cpu: 4000 },
    );
    const [s1, s2] = [await r.lease('small'), await r.lease('small'), await r.lease('small')]; // 1.5 cores
    const big = r.lease('big'); // 1.5 + 3 > 4: waits
    const small = r.lease('small'); // 1.5 + 0.5 would fit, but it must not pass the big request
    expect(await isSettled(big)).toBe(false);
    expect(await isSettled(small)).toBe(false);
    s1.release(); // 1 + 3 = 4: big fits; small (4.5) waits again
    expect(await isSettled(big)).toBe(true);
    expect(await isSettled(small)).toBe(false);
    s2.release();
    expect(await isSettled(small)).toBe(true);
    expect(r.usage()).toMatchObject({ cpu: 4000, agents: 3, byAgent: { big: 1, small: 2 } });
  });

  it('a waiter blocked only by its own max_instances lets waiters for other agents pass', async () => {
    const r = roster({ one: agent(), other: agent() }, { max_agents: 3 });
    await r.lease('one');
    const secondOne = r.lease('one');
    const other = r.lease('other');
    expect(await isSettled(secondOne)).toBe(false);
    expect(await isSettled(other)).toBe(true);
  });

  it('the memory quota holds requests until memory is released', async () => {
    const r = roster({ m: agent({ max_instances: 4, resources: { memory: 3e9 } }) }, { max_memory: 8e9 });
    const a = await r.lease('m');
    await r.lease('m');
    const third = r.lease('m');
    expect(await isSettled(third)).toBe(false);
    expect(r.usage().memory).toBe(6e9);
    a.release();
    expect(await isSettled(third)).toBe(true);
  });

  it('an instance that alone exceeds a quota is refused at once instead of waiting forever', async () => {
    const r = roster(
      { cpuHog: agent({ resources: { cpu: 8000 } }), memHog: agent({ resources: { memory: 16e9 } }) },
      { max_cpu: 4000, max_memory: 8e9 },
    );
    await expect(r.lease('cpuHog')).rejects.toMatchObject({
      code: 'BATON_E_AGENT_TOO_LARGE',
      message: 'agent "cpuHog" needs 8 cores per instance; max_cpu is 4 cores',
    });
    await expect(r.lease('memHog')).rejects.toMatchObject({
      code: 'BATON_E_AGENT_TOO_LARGE',
      message: 'agent "memHog" needs 16GB per instance; max_memory is 8GB',
    });
  });
});

describe('agent roster: withdrawn requests', () => {
  it('a request aborted while it waits is removed and rejected; one aborted beforehand never queues', async () => {
    const r = roster(
      {
        big: agent({ resources: { cpu: 2000 } }),
        small: agent({ max_instances: 2, resources: { cpu: 500 } }),
      },
      { max_cpu: 2000 },
    );
    const held = await r.lease('small');
    const cancel = new AbortController();
    const blocked = r.lease('big', cancel.signal);
    const behind = r.lease('small');
    expect(await isSettled(behind)).toBe(false); // held in line behind the big request
    cancel.abort(new Error('task cancelled'));
    await expect(blocked).rejects.toThrow('task cancelled');
    expect(await isSettled(behind)).toBe(true);
    expect(r.usage().queued).toBe(0);
    held.release();
    await expect(r.lease('small', AbortSignal.abort('gone'))).rejects.toThrow('lease request aborted: gone');
    expect(r.usage().queued).toBe(0);
  });
});

describe('agent roster: invariants under random load', () => {
  it('never exceeds any limit, and every request is served once all leases are released', async () => {
    const spec = fc.record({
      maxA: fc.integer({ min: 1, max: 3 }),
      maxB: fc.integer({ min: 1, max: 3 }),
      cpuA: fc.integer({ min: 0, max: 2000 }),
      cpuB: fc.integer({ min: 0, max: 2000 }),
      maxAgents: fc.integer({ min: 1, max: 5 }),
      ops: fc.array(fc.oneof(fc.constant('a'), fc.constant('b'), fc.nat({ max: 20 })), { maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ maxA, maxB, cpuA, cpuB, maxAgents, ops }) => {
        const r = roster(
          {
            a: agent({ max_instances: maxA, resources: { cpu: cpuA } }),
            b: agent({ max_instances: maxB, resources: { cpu: cpuB } }),
          },
          { max_agents: maxAgents, max_cpu: 2000 },
        );
        const held: AgentLease[] = [];
        const pending: Array<Promise<AgentLease>> = [];
        const check = () => {
          const u = r.usage();
          expect(u.agents).toBeLessThanOrEqual(maxAgents);
          expect(u.cpu).toBeLessThanOrEqual(2000);
          expect(u.byAgent.a).toBeLessThanOrEqual(maxA);
          expect(u.byAgent.b).toBeLessThanOrEqual(maxB);
        };
        for (const op of ops) {
          if (typeof op === 'string') pending.push(r.lease(op).then((l) => (held.push(l), l)));
          else held.splice(op % Math.max(held.length, 1), 1)[0]?.release();
          await Promise.resolve();
          check();
        }
        // Drain: keep releasing what is held; every waiting request must be served in the end.
        let granted = 0;
        for (const p of pending) void p.then(() => (granted += 1));
        while (granted < pending.length) {
          await new Promise((res) => setImmediate(res));
          check();
          held.shift()?.release();
        }
        await Promise.all(pending);
        expect(r.usage()).toMatchObject({ queued: 0 });
      }),
      { numRuns: 150 },
    );
  });
});

describe('agent roster: many waiters', () => {
  // A run of 50,000 ready tasks on one agent queues 50,000 waiters; cancelling the run withdraws them all
  // in one go. With one list scanned at every lease and withdrawal this took minutes of blocked event
  // loop (the whole server stalled); per-agent queues make each step O(1) but for the agents waiting.
  it('queues 50,000 waiters on one agent and withdraws them all at once without stalling', async () => {
    const r = roster({ w: agent({ max_instances: 1 }), other: agent() }, { max_agents: 2 });
    const held = await r.lease('w');
    // One controller per waiter, as a run gives each attempt its own.
    const acs = Array.from({ length: 50_000 }, () => new AbortController());
    const t0 = performance.now();
    const waiting = acs.map((ac) => r.lease('w', ac.signal));
    const last = r.lease('w');
    expect(r.usage().queued).toBe(50_001);
    for (const ac of acs) ac.abort(new Error('run cancelled'));
    const outcomes = await Promise.allSettled(waiting);
    const elapsed = performance.now() - t0;
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(r.usage().queued).toBe(1);
    // Another agent is served at once (the quota has room), and the last waiter once `w` is free.
    expect((await r.lease('other')).agentId).toBe('other');
    held.release();
    expect((await last).agentId).toBe('w');
    expect(r.usage().queued).toBe(0);
    // Linear work is well under a second; the one list took over 20 s here.
    expect(elapsed).toBeLessThan(5000);
  });
});
