// Agent rules: declared agents, required capabilities, registry types, pattern names.
import { describe, expect, it } from 'vitest';
import type { AgentRegistry } from '../../../src/plan/agent-registry.js';
import { found, validate } from './helpers.js';

const registry: AgentRegistry = new Map([
  ['worker', { capabilities: new Set(['x', 'y']) }],
  ['critic', { capabilities: new Set(['z']) }],
]);

describe('agent rules', () => {
  it('reports unknown agents in tasks, compensations and blocks', () => {
    const ds = validate([
      { id: 't', agent: 'c', compensate: { agent: 'undo' } },
      { id: 'talk', block: { pattern: 'debate', agents: ['a', 'bb'] } },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_UNKNOWN_AGENT', 'workflow.tasks.0.agent'],
      ['BATON_E_UNKNOWN_AGENT', 'workflow.tasks.0.compensate.agent'],
      ['BATON_E_UNKNOWN_AGENT', 'workflow.tasks.1.block.agents.1'],
    ]);
    expect(ds[0]!.hint).toBe('did you mean "a"?');
    expect(ds[1]!.hint).toBe('declared agents: "a" and "b"');
  });

  it('says so when no agent is declared at all', () => {
    const ds = validate([{ id: 't', agent: 'worker' }], { agents: {} });
    expect(found(ds)).toEqual([['BATON_E_UNKNOWN_AGENT', 'workflow.tasks.0.agent']]);
    expect(ds[0]!.hint).toBe('no agent is declared');
  });

  it('names missing capabilities and the agents that have them', () => {
    const ds = validate([{ id: 't', agent: 'a', requires: ['x', 'z'] }]);
    expect(found(ds)).toEqual([['BATON_E_CAPABILITY_MISMATCH', 'workflow.tasks.0.requires.1']]);
    expect(ds[0]!.message).toBe('task "t" requires "z", which agent "a" does not have');
    expect(ds[0]!.hint).toBe('agents that have them: "b"');
  });

  it('says which agent provides each capability when none has all', () => {
    const ds = validate([{ id: 't', agent: 'b', requires: ['x', 'q'] }]);
    expect(ds[0]!.hint).toBe('"x" is provided by "a"; no declared agent provides "q"');
  });

  it('checks agent types and capabilities against a registry, only when given one', () => {
    const agents = {
      a: { type: 'worker', capabilities: ['x', 'w'] },
      b: { type: 'critc', capabilities: ['z'] },
    };
    expect(validate([{ id: 't', agent: 'a' }], { agents })).toEqual([]);
    const ds = validate([{ id: 't', agent: 'a' }], { agents }, { registry });
    expect(found(ds)).toEqual([
      ['BATON_E_CAPABILITY_MISMATCH', 'workflow.agents.a.capabilities.1'],
      ['BATON_E_UNKNOWN_AGENT_TYPE', 'workflow.agents.b.type'],
    ]);
    expect(ds[1]!.hint).toBe('did you mean "critic"?');
  });

  it('accepts built-in patterns and plugin references, and suggests for typos', () => {
    expect(validate([{ id: 't', agent: 'a' }], { orchestration_pattern: 'acme/triage@1.2.0' })).toEqual([]);
    const ds = validate([{ id: 't', block: { pattern: 'swarn', agents: ['a'] } }], {
      orchestration_pattern: 'supervisr',
    });
    expect(found(ds)).toEqual([
      ['BATON_E_INVALID_VALUE', 'workflow.orchestration_pattern'],
      ['BATON_E_INVALID_VALUE', 'workflow.tasks.0.block.pattern'],
    ]);
    expect(ds.map((d) => d.hint)).toEqual(['did you mean "supervisor"?', 'did you mean "swarm"?']);
  });
});
