// checkWorkflowSource (parse + validate + plan) and parseAgentRegistry: the entry points the CLI calls.
import { describe, expect, it } from 'vitest';
import { checkWorkflowSource, parseAgentRegistry, type AgentRegistry } from '../../../src/plan/index.js';

const source = (tasks: string, extra = '') => `workflow:
  name: demo
  version: 1
  agents:
    researcher: { type: research_agent, capabilities: [web_search] }
    writer: { type: writer_agent }
${extra}  tasks:
${tasks}`;

const registryOf = (text: string): AgentRegistry => {
  const r = parseAgentRegistry(text);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.value;
};

describe('checkWorkflowSource', () => {
  it('returns the spec and the plan of a valid file', () => {
    const r = checkWorkflowSource(
      source(`    - id: find
      agent: researcher
    - id: write
      agent: writer
      depends_on: [find]
`),
    );
    expect(r.ok).toBe(true);
    expect(r.diagnostics).toEqual([]);
    expect(r.plan?.levels).toEqual([['find'], ['write']]);
    expect(r.spec?.name).toBe('demo');
  });

  it('stops at shape errors, splitting warnings from errors', () => {
    const r = checkWorkflowSource('workflow:\n  name: x\n');
    expect(r.ok).toBe(false);
    expect(r.spec).toBeUndefined();
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
    expect(r.diagnostics.map((d) => d.code)).toContain('BATON_E_MISSING_KEY');
  });

  it('reports semantic and quota errors together, in file order, still planning an acyclic graph', () => {
    const r = checkWorkflowSource(
      source(
        `    - id: talk
      block: { pattern: debate, agents: [researcher, writer] }
    - id: next
      agent: wirter
      depends_on: [talk]
`,
        '  resource_constraints: { max_agents: 1 }\n',
      ),
    );
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual([
      'BATON_E_QUOTA_AGENTS 10',
      'BATON_E_UNKNOWN_AGENT 12',
    ]);
    expect(r.plan).toBeDefined();
  });

  it('applies constraints given with the request over the file', () => {
    const tasks = `    - id: talk
      block: { pattern: debate, agents: [researcher, writer] }
`;
    expect(checkWorkflowSource(source(tasks)).ok).toBe(true);
    const r = checkWorkflowSource(source(tasks), { constraints: { max_memory: 600_000_000 } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['BATON_E_QUOTA_MEMORY']);
  });

  it('gives no plan for a cyclic graph', () => {
    const r = checkWorkflowSource(
      source(`    - id: a
      agent: writer
      depends_on: [b]
    - id: b
      agent: writer
      depends_on: [a]
`),
    );
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['BATON_E_CYCLE']);
  });

  it('checks agent types against a registry', () => {
    const registry = registryOf(`agent_types:
  research_agent: { capabilities: [web_search, data_collection], description: Searches }
  writer_agnt: {}
`);
    const r = checkWorkflowSource(source('    - id: w\n      agent: writer\n'), { registry });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.hint])).toEqual([
      ['BATON_E_UNKNOWN_AGENT_TYPE', 6, 'did you mean "writer_agnt"?'],
    ]);
  });
});

describe('parseAgentRegistry', () => {
  it('reads types, capabilities and descriptions from YAML or JSON', () => {
    const registry = registryOf(
      '{"agent_types": {"a": {"capabilities": ["x"], "description": "d"}, "b": {}}}',
    );
    expect(registry.get('a')).toEqual({ capabilities: new Set(['x']), description: 'd' });
    expect(registry.get('b')).toEqual({ capabilities: new Set() });
  });

  it('reports located problems', () => {
    const r = parseAgentRegistry('agent_types:\n  a:\n    capabilites: [x]\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['BATON_E_UNKNOWN_KEY', 3, 5]]);
  });
});
