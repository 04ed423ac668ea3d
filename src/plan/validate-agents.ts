// Rules about agents: every agent a task, compensation or block names is declared; a task's
// `requires` is a subset of its agent's capabilities; with an agent registry, agent types are known
// and declare only capabilities their type provides; pattern names are built-in or plugin references.

import type { DocPath } from '../spec/diagnostic.js';
import { isUnread, quoteList, taskPath, type ValidationContext } from './context.js';
import { BUILTIN_PATTERNS, isPatternName } from './patterns.js';

export function agentReferences(ctx: ValidationContext): void {
  const declared = Object.keys(ctx.spec.agents);
  const known = new Set(declared);
  const check = (id: string, path: DocPath, what: string) => {
    if (known.has(id) || isUnread(ctx, 'agents', id)) return;
    ctx.report(
      'BATON_E_UNKNOWN_AGENT',
      path,
      `${what} uses agent "${id}", which is not declared under agents`,
      {
        hint:
          ctx.suggest(id, declared) ??
          (declared.length > 0 ? `declared agents: ${quoteList(declared)}` : 'no agent is declared'),
      },
    );
  };
  ctx.spec.tasks.forEach((t, p) => {
    if (t.agent !== undefined) check(t.agent, taskPath(p, 'agent'), `task "${t.id}"`);
    if (t.compensate)
      check(t.compensate.agent, taskPath(p, 'compensate', 'agent'), `the compensation of task "${t.id}"`);
    t.block?.agents.forEach((a, k) =>
      check(a, taskPath(p, 'block', 'agents', k), `the block of task "${t.id}"`),
    );
  });
}

export function requiredCapabilities(ctx: ValidationContext): void {
  const agents = Object.entries(ctx.spec.agents);
  ctx.spec.tasks.forEach((t, p) => {
    const agent = t.agent === undefined ? undefined : ctx.spec.agents[t.agent];
    if (!agent || !t.requires) return;
    const has = new Set(agent.capabilities);
    const missing = t.requires.filter((c) => !has.has(c));
    if (missing.length === 0) return;
    const holders = agents
      .filter(([, a]) => missing.every((c) => a.capabilities.includes(c)))
      .map(([id]) => id);
    const providers = missing.map((c) => {
      const by = agents.filter(([, a]) => a.capabilities.includes(c)).map(([id]) => id);
      return by.length > 0 ? `"${c}" is provided by ${quoteList(by)}` : `no declared agent provides "${c}"`;
    });
    ctx.report(
      'BATON_E_CAPABILITY_MISMATCH',
      taskPath(p, 'requires', t.requires.indexOf(missing[0]!)),
      `task "${t.id}" requires ${quoteList(missing)}, which agent "${t.agent}" does not have`,
      {
        expected: `capabilities of "${t.agent}": ${agent.capabilities.length > 0 ? quoteList(agent.capabilities) : 'none declared'}`,
        hint: holders.length > 0 ? `agents that have them: ${quoteList(holders)}` : providers.join('; '),
      },
    );
  });
}

/** Only with a registry: the registry is the truth about what each agent type can do. */
export function agentTypes(ctx: ValidationContext): void {
  const registry = ctx.registry;
  if (!registry) return;
  for (const [id, agent] of Object.entries(ctx.spec.agents)) {
    const type = registry.get(agent.type);
    if (!type) {
      ctx.report(
        'BATON_E_UNKNOWN_AGENT_TYPE',
        ['workflow', 'agents', id, 'type'],
        `agent "${id}" has type "${agent.type}", which the agent registry does not know`,
        {
          hint: ctx.suggest(agent.type, registry.keys()) ?? `known types: ${quoteList([...registry.keys()])}`,
        },
      );
      continue;
    }
    agent.capabilities.forEach((c, k) => {
      if (type.capabilities.has(c)) return;
      ctx.report(
        'BATON_E_CAPABILITY_MISMATCH',
        ['workflow', 'agents', id, 'capabilities', k],
        `agent "${id}" declares capability "${c}", which its type "${agent.type}" does not provide`,
        {
          expected: `capabilities of "${agent.type}": ${type.capabilities.size > 0 ? quoteList([...type.capabilities]) : 'none'}`,
          hint: ctx.suggest(c, type.capabilities),
        },
      );
    });
  }
}

export function patternNames(ctx: ValidationContext): void {
  const check = (name: string, path: DocPath) => {
    if (isPatternName(name)) return;
    ctx.report('BATON_E_INVALID_VALUE', path, `"${name}" is not an orchestration pattern`, {
      expected: `a built-in pattern (${BUILTIN_PATTERNS.join(', ')}) or a plugin as owner/name@version`,
      hint: ctx.suggest(name, BUILTIN_PATTERNS),
    });
  };
  check(ctx.spec.orchestration_pattern, ['workflow', 'orchestration_pattern']);
  ctx.spec.tasks.forEach((t, p) => {
    if (t.block) check(t.block.pattern, taskPath(p, 'block', 'pattern'));
  });
}
