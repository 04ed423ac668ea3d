// The names the engine gives to things: instance keys (`research[2]`, `refine#3`, `research@2[0]`,
// `plan@2/delegate[1]`) and timer ids. Task ids cannot contain `[`, `#`, `:`, `@` or `/`
// (spec/schema.ts ID_PATTERN), so both parse unambiguously.

/** An attempt key split into its parts. */
export interface ParsedKey {
  readonly task: string;
  /** Fan-out position, or -1 for a task that does not fan out (and for a delegated subtask). */
  readonly index: number;
  /** Repeat iteration, from 1. */
  readonly iteration: number;
  /** The instance key: the attempt key without its `#iteration`. */
  readonly unit: string;
  /** The task's round when a pattern ran it again (2, 3, ...); absent in its first round. */
  readonly round?: number;
  /** Position of a subtask the task's round delegated (`/delegate[k]`); absent otherwise. */
  readonly delegate?: number;
}

/**
 * `id` or, for fan-out position i, `id[i]`; from round 2 on (a pattern ran the task again) the round
 * follows the id: `id@2`, `id@2[i]`.
 */
export const unitKey = (task: string, index: number, round = 1): string =>
  `${task}${round > 1 ? `@${round}` : ''}${index < 0 ? '' : `[${index}]`}`;

/** The key of a task's round as a whole (`plan`, `plan@2`): what a pattern's verdict names. */
export const roundKey = (task: string, round: number): string => unitKey(task, -1, round);

/** The k-th subtask a task's round delegated: `plan/delegate[0]`, `plan@2/delegate[1]`. */
export const delegateKey = (round: string, k: number): string => `${round}/delegate[${k}]`;

/** The key an attempt is dispatched under: the unit key, plus `#n` from the second iteration on. */
export const attemptKey = (unit: string, iteration: number): string =>
  iteration > 1 ? `${unit}#${iteration}` : unit;

const SPECIAL = /[[\]#:@/]/;
const KEY = /^([^[\]#:@/]+)(?:@(\d+))?(?:\[(\d+)\]|\/delegate\[(\d+)\])?(?:#(\d+))?$/;

export function parseKey(key: string): ParsedKey | null {
  // Most keys are a bare task id: no match array to build for them (this runs several times per task).
  if (key !== '' && !SPECIAL.test(key)) return { task: key, index: -1, iteration: 1, unit: key };
  const m = KEY.exec(key);
  if (!m) return null;
  const task = m[1]!;
  const index = m[3] === undefined ? -1 : Number(m[3]);
  const round = m[2] === undefined ? 1 : Number(m[2]);
  const iteration = m[5] === undefined ? 1 : Number(m[5]);
  if (m[4] !== undefined) {
    const delegate = Number(m[4]);
    const unit = delegateKey(roundKey(task, round), delegate);
    return { task, index, iteration, unit, ...(round > 1 ? { round } : {}), delegate };
  }
  return { task, index, iteration, unit: unitKey(task, index, round), ...(round > 1 ? { round } : {}) };
}

/**
 * A durable timer. run: the run's deadline; retry: when `attempt` of `key` may start; timeout: the
 * deadline of `attempt` of `key`; wait: the deadline of a task's wait_for.
 */
export type TimerRef =
  | { readonly kind: 'run' }
  | { readonly kind: 'retry' | 'timeout'; readonly key: string; readonly attempt: number }
  | { readonly kind: 'wait'; readonly task: string };

export function timerId(t: TimerRef): string {
  switch (t.kind) {
    case 'run':
      return 'run';
    case 'wait':
      return `wait:${t.task}`;
    default:
      return `${t.kind}:${t.key}:${t.attempt}`;
  }
}

export function parseTimerId(id: string): TimerRef | null {
  if (id === 'run') return { kind: 'run' };
  const m = /^(retry|timeout):([^:]+):(\d+)$/.exec(id) ?? /^(wait):([^:]+)$/.exec(id);
  if (!m) return null;
  if (m[1] === 'wait') return { kind: 'wait', task: m[2]! };
  return { kind: m[1] as 'retry' | 'timeout', key: m[2]!, attempt: Number(m[3]) };
}
