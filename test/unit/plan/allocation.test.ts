// Agent allocation: instances, peaks, throttled levels, and hard requirements that cannot fit.
import { describe, expect, it } from 'vitest';
import { planWorkflow } from '../../../src/plan/planner.js';
import { found, validate, workflow } from './helpers.js';

type Input = Record<string, unknown>;
const agents = (defs: Record<string, Input>) => ({
  agents: Object.fromEntries(Object.entries(defs).map(([id, d]) => [id, { type: 't', ...d }])),
});
const byId = (plan: ReturnType<typeof planWorkflow>) =>
  Object.fromEntries(plan.allocation.agents.map((a) => [a.id, a]));

describe('allocation', () => {
  it('uses defaults of 1 core, 512MB and one instance, and reports the peak', () => {
    const plan = planWorkflow(
      workflow([
        { id: 'x', agent: 'a' },
        { id: 'y', agent: 'b' },
        { id: 'z', agent: 'a', depends_on: ['x'] },
      ]),
    );
    expect(byId(plan).a).toMatchObject({ instances: 1, maxInstances: 1, cpu: 1000, memory: 512_000_000 });
    expect(plan.allocation.peak).toEqual({ agents: 2, cpu: 2000, memory: 1_024_000_000 });
    expect(plan.allocation.limits).toEqual({ max_agents: null, max_cpu: null, max_memory: null });
    expect(plan.allocation.throttled).toEqual([]);
  });

  it('throttles a level by max_instances, and sizes fan-outs by parallel', () => {
    const plan = planWorkflow(
      workflow(
        [
          { id: 'src', agent: 'a' },
          { id: 'fan', agent: 'w', depends_on: ['src'], parallel: 8 },
          { id: 'all', agent: 'w', depends_on: ['src'], parallel: true },
        ],
        agents({ a: {}, w: { max_instances: 4 } }),
      ),
    );
    expect(byId(plan).w).toMatchObject({ instances: 4, peakConcurrency: 12 });
    expect(plan.allocation.throttled).toEqual([
      {
        level: 1,
        demand: { agents: 12, cpu: 12_000, memory: 12 * 512_000_000 },
        allotted: { agents: 4, cpu: 4000, memory: 4 * 512_000_000 },
        by: [{ constraint: 'max_instances', agent: 'w' }],
      },
    ]);
  });

  it('shares a throttled level fairly under max_agents, max_cpu and max_memory', () => {
    const spec = workflow(
      [
        { id: 'p', agent: 'p', parallel: 10, for_each: 'input.items' },
        { id: 'q', agent: 'q', parallel: 10, for_each: 'input.items' },
        { id: 'r', agent: 'r' },
      ],
      {
        ...agents({
          p: { max_instances: 10, resources: { cpu: '500m', memory: '1GB' } },
          q: { max_instances: 10, resources: { cpu: '500m', memory: '1GB' } },
          r: { resources: { cpu: 1, memory: '1GB' } },
        }),
        resource_constraints: { max_agents: 8, max_cpu: '8 cores', max_memory: '16GB' },
      },
    );
    const plan = planWorkflow(spec);
    const a = byId(plan);
    // t = 3 gives p 3, q 3, r 1 (7 agents); one more instance fits, and goes to p (declared first).
    expect([a.p!.instances, a.q!.instances, a.r!.instances]).toEqual([4, 3, 1]);
    expect(plan.allocation.peak).toEqual({ agents: 8, cpu: 4500, memory: 8e9 });
    expect(plan.allocation.throttled[0]!.by).toEqual([
      { constraint: 'max_agents' },
      { constraint: 'max_cpu' },
      { constraint: 'max_memory' },
    ]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('lets execution constraints override the workflow, key by key', () => {
    const spec = workflow([{ id: 'x', agent: 'a' }], {
      resource_constraints: { max_agents: 4, max_cpu: 8000 },
    });
    const plan = planWorkflow(spec, { constraints: { max_cpu: 2000, max_memory: undefined } });
    expect(plan.allocation.limits).toEqual({ max_agents: 4, max_cpu: 2000, max_memory: null });
  });

  it('reports a block whose agents cannot all run at once, naming need, limit and excess', () => {
    const spec = workflow(
      [{ id: 'debate', block: { pattern: 'debate', agents: ['a', 'b', 'c', 'd', 'e', 'a'] } }],
      {
        ...agents({ a: {}, b: {}, c: {}, d: {}, e: { resources: { memory: '2GB' } } }),
        resource_constraints: { max_agents: 4, max_cpu: '4 cores', max_memory: '3GB' },
      },
    );
    const plan = planWorkflow(spec);
    expect(plan.diagnostics.map((d) => [d.code, d.path.join('.'), d.message])).toEqual([
      [
        'BATON_E_QUOTA_AGENTS',
        'workflow.tasks.0.block.agents',
        'block "debate" needs 5 agents at once; max_agents is 4 (1 over)',
      ],
      [
        'BATON_E_QUOTA_CPU',
        'workflow.tasks.0.block.agents',
        'block "debate" needs 5 cores at once; max_cpu is 4 cores (1 core over)',
      ],
      [
        'BATON_E_QUOTA_MEMORY',
        'workflow.tasks.0.block.agents',
        'block "debate" needs 4.05GB at once; max_memory is 3GB (1.05GB over)',
      ],
    ]);
  });

  it('reports an agent that alone exceeds a limit, once, at its resources', () => {
    const spec = workflow(
      [
        { id: 'x', agent: 'big' },
        { id: 'y', agent: 'dflt' },
        { id: 'blk', block: { pattern: 'debate', agents: ['big', 'dflt'] } },
      ],
      {
        ...agents({ big: { resources: { cpu: 8 } }, dflt: {}, unused: { resources: { cpu: 64 } } }),
        resource_constraints: { max_cpu: '4 cores', max_memory: '256MB' },
      },
    );
    const plan = planWorkflow(spec);
    expect(plan.diagnostics.map((d) => [d.code, d.path.join('.')])).toEqual([
      ['BATON_E_AGENT_TOO_LARGE', 'workflow.agents.big.resources.cpu'],
      ['BATON_E_AGENT_TOO_LARGE', 'workflow.agents.big'],
      ['BATON_E_AGENT_TOO_LARGE', 'workflow.agents.dflt'],
    ]);
    expect(plan.diagnostics[0]!.message).toBe(
      'one instance of agent "big" needs 8 cores; max_cpu is 4 cores (4 cores over)',
    );
    expect(plan.diagnostics[2]!.message).toContain('(the default when resources.memory is not set)');
    expect(byId(plan).unused!.instances).toBe(0);
  });

  it('makes quota errors part of validateWorkflow, with its constraints option', () => {
    const tasks = [{ id: 'talk', block: { pattern: 'debate', agents: ['a', 'b'] } }];
    expect(validate(tasks)).toEqual([]);
    expect(found(validate(tasks, {}, { constraints: { max_agents: 1 } }))).toEqual([
      ['BATON_E_QUOTA_AGENTS', 'workflow.tasks.0.block.agents'],
    ]);
  });

  it('gives compensation-only agents one instance and sub-workflows none', () => {
    const plan = planWorkflow(
      workflow([
        { id: 'x', agent: 'a', compensate: { agent: 'b' } },
        { id: 'sub', workflow: 'child.yaml' },
      ]),
    );
    expect(byId(plan).b!.instances).toBe(1);
    expect(plan.allocation.peak.agents).toBe(1);
  });
});
