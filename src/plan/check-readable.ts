// The checks after the schema, run on the readable part of a file whose schema check failed (see
// spec/readable.ts), so one pass reports every problem it can. A part left out must not cause
// problems of its own: a task whose `agent:` had the wrong type has no agent, which is no news.
//
// So each finding is kept only if what it stands on was read whole:
// - references (an unknown agent, dependency, task or pattern; a cycle; a duplicate id; CEL syntax)
//   stand on the referring value alone; names declared in unread parts count as known (Unreadable);
// - a task's, agent's or hook's own consistency (conflicting keys, fan-out, hook rules) needs that
//   task, agent or hook whole;
// - the rest names what else it reads: a task's `requires` its agent's capabilities, channels the
//   coordination block, "not upstream" every depends_on, quotas the agents' resources.
// An unknown key counts as the key it is closest to (`coordinaton` as `coordination`).

import type { Diagnostic, DocPath, SourceLocator } from '../spec/diagnostic.js';
import type { Dropped, ReadablePart } from '../spec/readable.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type { Unreadable } from './context.js';
import type { ExecutionPlan } from './planner.js';
import { validateAndPlan, type ValidateOptions } from './validate.js';

/** What the readable part lacks, by the parts of the workflow the checks read. */
interface Damage {
  readonly unreadable: Unreadable;
  /** Workflow-level keys left out. */
  readonly workflowKeys: Set<string>;
  /** File position of a task -> its keys left out ('*': the whole task). */
  readonly tasks: Map<number, Set<string>>;
  /** Keys left out of any task ('*': some task as a whole). */
  readonly anyTask: Set<string>;
  readonly agents: Set<string>;
  readonly hooks: Set<number>;
}

export function checkReadablePart(
  part: ReadablePart<WorkflowSpec>,
  locator: SourceLocator,
  opts: ValidateOptions,
): { diagnostics: Diagnostic[]; plan: ExecutionPlan | undefined; warnings: Diagnostic[] } {
  const damage = damageOf(part.dropped);
  const inFile: SourceLocator = { locate: (path, key) => locator.locate(part.toSource(path), key) };
  const r = validateAndPlan(part.value, inFile, { ...opts, unreadable: damage.unreadable });
  const diagnostics = r.diagnostics
    .map((d) => ({ d, path: part.toSource(d.path) }))
    .filter(({ d, path }) => !followsFromDamage(d, path, damage, part.value))
    .map(({ d, path }) => ({ ...d, path }));
  const warnings = r.warnings.map((d) => ({ ...d, path: part.toSource(d.path) }));
  return { diagnostics, plan: r.plan, warnings };
}

function damageOf(dropped: readonly Dropped[]): Damage {
  const unreadTasks = new Set<string>();
  const unreadAgents = new Set<string>();
  let everyAgent = false;
  let everyTask = false;
  const damage = {
    workflowKeys: new Set<string>(),
    tasks: new Map<number, Set<string>>(),
    anyTask: new Set<string>(),
    agents: new Set<string>(),
    hooks: new Set<number>(),
  };
  for (const d of dropped) {
    const [root, section, at, key] = d.path;
    if (root !== 'workflow' || section === undefined) continue; // a stray top-level key: nothing lost
    // What a dropped key means to the checks: itself, or for an unknown key the key it is closest to.
    const meant = (written: string | number) => (d.unknownKey ? (d.unknownKey.meant ?? '') : String(written));
    if (at === undefined) {
      if (meant(section) !== '') damage.workflowKeys.add(meant(section));
      if (section === 'agents') everyAgent = true;
      continue;
    }
    if (section === 'tasks' && typeof at === 'number') {
      const keys = damage.tasks.get(at) ?? new Set<string>();
      const k = key === undefined ? '*' : d.path.length === 4 ? meant(key) : String(key);
      keys.add(k);
      damage.tasks.set(at, keys);
      damage.anyTask.add(k);
      if (key === undefined) {
        const id = idOf(d.written);
        if (id === undefined) everyTask = true;
        else unreadTasks.add(id);
      }
    } else if (section === 'agents') {
      damage.agents.add(String(at));
      if (key === undefined) unreadAgents.add(String(at));
    } else if (section === 'hooks' && typeof at === 'number') {
      damage.hooks.add(at);
    } else {
      damage.workflowKeys.add(String(section)); // e.g. a channel of coordination.event_driven
    }
  }
  return { ...damage, unreadable: { tasks: unreadTasks, agents: unreadAgents, everyAgent, everyTask } };
}

/**
 * The name a dropped task was meant to have: its id if that is text (`id: "web search"`), or the task
 * itself written as text (`- research`); none when there is no telling (`- agent: a`, `id: [x]`).
 */
function idOf(task: unknown): string | undefined {
  if (typeof task === 'string') return task;
  const id = task !== null && typeof task === 'object' ? (task as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Whether `d` (at `path` in the file) may be there only because of what was left out. `spec` is the
 * readable part, whose task positions are `d`'s own (before mapping to the file).
 */
function followsFromDamage(d: Diagnostic, path: DocPath, damage: Damage, spec: WorkflowSpec): boolean {
  const [, section, at] = path;
  const task = section === 'tasks' && typeof at === 'number' ? damage.tasks.get(at) : undefined;
  const readTask = section === 'tasks' ? spec.tasks[d.path[2] as number] : undefined;
  const agentDamaged = (id: string | undefined) =>
    id !== undefined && (damage.unreadable.everyAgent || damage.agents.has(id));
  switch (d.code) {
    case 'BATON_E_UNKNOWN_AGENT':
    case 'BATON_E_UNKNOWN_DEPENDENCY':
    case 'BATON_E_SELF_DEPENDENCY':
    case 'BATON_E_UNKNOWN_TASK':
    case 'BATON_E_CEL_SYNTAX':
    case 'BATON_E_CEL_UNKNOWN_TASK':
    case 'BATON_E_DUPLICATE_TASK':
    case 'BATON_E_CYCLE': // leaving a part out only takes edges away: a cycle found is in the file
    case 'BATON_E_UNKNOWN_AGENT_TYPE':
    case 'BATON_E_INVALID_VALUE': // a pattern name
      return false;
    case 'BATON_E_UNKNOWN_CHANNEL':
      return damage.workflowKeys.has('coordination');
    case 'BATON_E_UNREACHABLE_TASK':
      // `when` always false stands alone; "no task emits that event" reads every task's emits.
      return (
        path[path.length - 1] !== 'when' &&
        (damage.workflowKeys.has('coordination') || damage.anyTask.has('emits') || damage.anyTask.has('*'))
      );
    case 'BATON_E_CEL_NOT_UPSTREAM':
      return damage.anyTask.has('depends_on') || damage.anyTask.has('*');
    case 'BATON_E_CEL_UNKNOWN_VARIABLE':
      // The variables of a task's input depend on whether it fans out.
      return task !== undefined && (task.has('parallel') || task.has(''));
    case 'BATON_E_CAPABILITY_MISMATCH':
    case 'BATON_E_AGENT_CARD_MISMATCH':
      return section === 'tasks' ? agentDamaged(readTask?.agent) : false;
    case 'BATON_E_AGENT_TOO_LARGE':
      return agentDamaged(String(at));
    case 'BATON_E_QUOTA_AGENTS':
    case 'BATON_E_QUOTA_CPU':
    case 'BATON_E_QUOTA_MEMORY':
      return (readTask?.block?.agents ?? []).some(agentDamaged);
    default:
      // A task's, agent's or hook's own consistency: only when it was read whole.
      if (section === 'tasks') return task !== undefined;
      if (section === 'agents') return agentDamaged(String(at));
      if (section === 'hooks') return damage.hooks.has(at as number);
      return damage.workflowKeys.size > 0;
  }
}
