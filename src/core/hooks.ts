// Where a run's blocking hooks hold it: decide() asks for a verdict (a RunHooks command) at session_start,
// before an attempt is dispatched (pre_task), after its result is journaled (post_task) and when the run
// is restored; the runtime runs the hooks and journals HookDecided; apply/decide act on that entry only.

import type { Outbox } from './outbox.js';
import type { HookDecided, RunError, TaskError } from './entries.js';
import { attemptKey, parseKey } from './keys.js';
import { newUnit } from './progress.js';
import { contextOf, isActive, type HookRecord, type RunState, type UnitState } from './state.js';
import type { RunHooks } from './commands.js';
import { finishUnit } from './progress.js';
import { finishSubtask } from './patterns/rounds.js';

/** The subject of an attempt's pre_task / post_task hooks. */
export const hookSubject = (key: string, attempt: number): string => `${key}/${attempt}`;
/** The subject of an attempt's n-th tool call (pre/post search, edit, command). */
export const toolSubject = (key: string, attempt: number, call: number): string =>
  `${key}/${attempt}/tool${call}`;
/** The subject of session_start hooks. */
export const RUN_SUBJECT = 'run';

const recordKey = (trigger: string, subject: string): string => `${trigger}:${subject}`;

/** The run is bound to an enabled blocking hook of `trigger` (which ones match is the runtime's call). */
export function hasBlockingHooks(s: RunState, trigger: string): boolean {
  return (s.options.hooks ?? []).some((h) => h.trigger === trigger && h.enabled && h.mode === 'blocking');
}

/** The journaled verdict of `trigger` on `subject`, if any. */
export function hookRecord(s: RunState, trigger: string, subject: string): HookRecord | undefined {
  return s.hooks?.[recordKey(trigger, subject)];
}

/** The error a denying verdict fails what it guarded with: never retried, names the hook. */
export function deniedError(trigger: string, v: HookRecord): TaskError & RunError {
  const by = v.hook === undefined ? 'a hook' : `hook "${v.hook}"`;
  return {
    code: 'BATON_E_HOOK_DENIED',
    message: `${by} denied ${trigger}${v.message === undefined ? '' : `: ${v.message}`}`,
    retryable: false,
    kind: 'error',
  };
}

const attemptOf = (subject: string): { key: string; attempt: number } => {
  const slash = subject.lastIndexOf('/');
  return { key: subject.slice(0, slash), attempt: Number(subject.slice(slash + 1)) };
};

// ── apply ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Records a verdict (a second answer to the same question, after a crash, changes nothing). A post_task
 * verdict releases the attempt it held: allow/warn finish it as its result would have; deny fails it.
 * Returns whether decide() has something to do.
 */
export function applyHookDecided(s: RunState, e: HookDecided): boolean {
  const k = recordKey(e.trigger, e.subject);
  if (s.hooks?.[k] !== undefined) return false;
  const rec: { -readonly [P in keyof HookRecord]: HookRecord[P] } = { outcome: e.outcome };
  if (e.message !== undefined) rec.message = e.message;
  if (e.hook !== undefined) rec.hook = e.hook;
  if (e.input !== undefined) rec.input = e.input;
  if (e.agent !== undefined) rec.agent = e.agent;
  if (e.args !== undefined) rec.args = e.args;
  (s.hooks ??= {})[k] = rec;
  if (e.trigger !== 'post_task') return true;
  const { key, attempt } = attemptOf(e.subject);
  const u = heldUnit(s, key, attempt);
  if (u === null) return false;
  delete u.awaitingHook;
  if (e.outcome === 'deny') {
    u.status = 'failed';
    u.error = deniedError('post_task', rec);
    s.metrics.failed++;
  } else if (u.subtask !== null) finishSubtask(s, u, e.at);
  else if (contextOf(s).specs[u.task]!.repeat === undefined) finishUnit(s, u, e.at);
  // A repeating task stays `evaluating`: decide() journals its repeat verdict next.
  return true;
}

/** The unit whose attempt `key`/`attempt` awaits its post_task verdict, if it still does. */
function heldUnit(s: RunState, key: string, attempt: number): UnitState | null {
  const p = parseKey(key);
  const u = p === null ? undefined : s.units.get(p.unit);
  if (!isActive(s) || u === undefined || u.awaitingHook !== 'post_task') return null;
  return u.attempts === attempt && u.iteration === p!.iteration ? u : null;
}

/** apply(TaskCompleted): with blocking post_task hooks the result waits for their verdict. */
export function holdForPostTask(s: RunState, u: UnitState): boolean {
  if (!hasBlockingHooks(s, 'post_task')) return false;
  u.status = 'evaluating';
  u.awaitingHook = 'post_task';
  return true;
}

// ── decide ───────────────────────────────────────────────────────────────────────────────────────

function ask(out: Outbox, c: Omit<RunHooks, 'type'>): void {
  out.commands.push({ type: 'RunHooks', ...c });
}

/** RunStarted (or a resume before the verdict): ask session_start's hooks. False: nothing holds the run. */
export function holdForSessionStart(out: Outbox): boolean {
  const s = out.state;
  if (!hasBlockingHooks(s, 'session_start') || hookRecord(s, 'session_start', RUN_SUBJECT)) return false;
  const wf = s.workflow!;
  ask(out, {
    trigger: 'session_start',
    subject: RUN_SUBJECT,
    context: { workflow: wf.name, version: wf.version, input: s.input },
  });
  return true;
}

/** RunTakenOver / RunResumed: session_restore's hooks, told what was restored. */
export function askSessionRestore(out: Outbox, by: 'takeover' | 'resume'): void {
  const s = out.state;
  if (!hasBlockingHooks(s, 'session_restore') || !isActive(s)) return;
  const ids = contextOf(s).graph.ids;
  const tasks: Record<string, string> = {};
  s.tasks.forEach((t, i) => (tasks[ids[i]!] = t.status));
  ask(out, {
    trigger: 'session_restore',
    subject: `restore@${out.seq}`,
    context: { by, status: s.status, seq: s.lastSeq, tasks, completed: [...s.completionOrder] },
  });
}

/** Agents that may run task `i`: those covering its `requires` (any agent of the workflow when none). */
export function capableAgents(s: RunState, i: number, declared: string | null): string[] {
  const spec = contextOf(s).specs[i]!;
  const requires = spec.requires ?? [];
  const out = declared === null ? [] : [declared];
  if (declared === null) return out;
  for (const [id, a] of Object.entries(s.workflow!.agents)) {
    if (id !== declared && requires.every((c) => a.capabilities.includes(c))) out.push(id);
  }
  return out;
}

/**
 * dispatchUnit(): the pre_task gate of an attempt. Returns the input and agent to dispatch with, or
 * null when the attempt is held (its hooks are asked) or denied (the task fails at once, not retried).
 */
export function preTaskGate(
  out: Outbox,
  u: UnitState,
  attempt: number,
  input: unknown,
  agent: string | null,
  reissue: boolean,
): { input: unknown; agent: string | null } | 'held' | 'denied' {
  const s = out.state;
  if (!hasBlockingHooks(s, 'pre_task')) return { input, agent };
  const key = attemptKey(u.key, u.iteration);
  const subject = hookSubject(key, attempt);
  const v = hookRecord(s, 'pre_task', subject);
  if (v === undefined) {
    // An attempt dispatched before the run had a verdict for it (none can be): go on as journaled.
    if (reissue) return { input, agent };
    const task = contextOf(s).specs[u.task]!.id;
    ask(out, {
      trigger: 'pre_task',
      subject,
      key,
      task,
      agent,
      attempt,
      context: { task, key, attempt, agent, candidates: capableAgents(s, u.task, agent), input },
    });
    return 'held';
  }
  if (v.outcome === 'deny') return 'denied';
  return { input: v.input !== undefined ? v.input : input, agent: v.agent ?? agent };
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/**
 * The run has ended and its session_end hooks (every enabled one, whatever its mode: nothing is left to
 * hold) have no record yet: they are owed, by whoever drives the run, until HookDecided records them.
 */
export function sessionEndDue(s: RunState): boolean {
  return (
    ENDED.has(s.status) &&
    (s.options.hooks ?? []).some((h) => h.trigger === 'session_end' && h.enabled) &&
    hookRecord(s, 'session_end', RUN_SUBJECT) === undefined
  );
}

/** The run's terminal entry (or a takeover of an ended run): ask session_end's hooks, if owed. */
export function askSessionEnd(out: Outbox): void {
  const s = out.state;
  if (!sessionEndDue(s)) return;
  ask(out, {
    trigger: 'session_end',
    subject: RUN_SUBJECT,
    context: { status: s.status, output: s.output, error: s.error, metrics: s.metrics },
  });
}

/** TaskCompleted held for post_task: ask its hooks about the result. */
export function askPostTask(out: Outbox, u: UnitState): void {
  const s = out.state;
  const key = attemptKey(u.key, u.iteration);
  const task = contextOf(s).specs[u.task]!.id;
  const agent = u.instance ?? u.subtask?.agent ?? contextOf(s).specs[u.task]!.agent ?? null;
  ask(out, {
    trigger: 'post_task',
    subject: hookSubject(key, u.attempts),
    key,
    task,
    agent,
    attempt: u.attempts,
    context: { task, key, attempt: u.attempts, agent, output: u.output },
  });
}

/** The unit a pre_task verdict lets go: the attempt it was asked for, if it is still the next one. */
export function preTaskUnit(s: RunState, subject: string): UnitState | { fanOut: number } | null {
  const { key, attempt } = attemptOf(subject);
  const p = parseKey(key)!;
  const i = contextOf(s).graph.index.get(p.task)!;
  const u = s.units.get(p.unit);
  if (u !== undefined) {
    return u.status === 'ready' && u.attempts + 1 === attempt && u.iteration === p.iteration ? u : null;
  }
  const t = s.tasks[i]!;
  if (t.fan !== null) return { fanOut: i };
  return t.status === 'ready' && p.index < 0 ? newUnit(p.unit, i, -1) : null;
}
