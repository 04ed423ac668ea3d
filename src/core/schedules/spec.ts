// A schedule as the runtime keeps it (timing, overlap policy, catch-up window, and the run each fire
// starts) and the one check every edge (API, CLI) passes its input through, so both refuse the same
// things with the same words. Which workflow a fire runs is checked against the registry by the runtime.

import { cronProblem, MIN_INTERVAL_MS, timezoneProblem, type Timing } from './timing.js';

/**
 * What a fire does while a run this schedule started has not ended: `skip` starts nothing; `buffer_one`
 * starts one run as soon as that run ends (further fires meanwhile are skipped); `allow_all` starts
 * every fire regardless.
 */
export type OverlapPolicy = 'skip' | 'buffer_one' | 'allow_all';
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'buffer_one', 'allow_all'];

/** Fires missed (the server was down) longer ago than this are not started late but counted as missed. */
export const DEFAULT_CATCHUP_WINDOW_MS = 3_600_000;
export const MIN_CATCHUP_WINDOW_MS = 1000;
export const MAX_CATCHUP_WINDOW_MS = 365 * 86_400_000;

/** The run a fire starts: a registered workflow ("name" = latest at fire time, "name@version"), or a source. */
export interface ScheduleAction {
  readonly workflow?: string;
  readonly source?: string;
  readonly input: Record<string, unknown>;
}

export interface ScheduleSpec {
  readonly timing: Timing;
  readonly overlap: OverlapPolicy;
  readonly catchupWindowMs: number;
  readonly action: ScheduleAction;
}

/** What an edge received, before checking; durations already in ms. */
export interface ScheduleSpecInput {
  readonly cron?: string;
  readonly everyMs?: number;
  readonly timezone?: string;
  readonly overlap?: string;
  readonly catchupWindowMs?: number;
  readonly workflow?: string;
  readonly source?: string;
  readonly input?: unknown;
}

/** The field a problem is about, in the API's words (the CLI maps them to its flags). */
export type ScheduleField =
  'schedule_id' | 'cron' | 'interval' | 'timezone' | 'overlap' | 'catchup_window' | 'workflow' | 'input';

export interface ScheduleProblem {
  readonly field: ScheduleField;
  readonly message: string;
}

export type ParsedSchedule =
  | { readonly ok: true; readonly spec: ScheduleSpec }
  | { readonly ok: false; readonly problems: readonly ScheduleProblem[] };

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Why a schedule id is unusable, or undefined. Ids name schedules in commands and run ids, so they stay plain. */
export function scheduleIdProblem(id: string): ScheduleProblem | undefined {
  if (SCHEDULE_ID.test(id)) return undefined;
  return {
    field: 'schedule_id',
    message:
      id === ''
        ? 'is required'
        : `"${id}" is not a schedule id: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
  };
}

/** Every problem of the input at once; a spec with defaults filled when there is none. */
export function parseScheduleSpec(input: ScheduleSpecInput): ParsedSchedule {
  const problems: ScheduleProblem[] = [];
  const add = (field: ScheduleField, message: string) => problems.push({ field, message });
  const timezone = input.timezone === undefined || input.timezone === '' ? undefined : input.timezone;
  const tzProblem = timezone === undefined ? undefined : timezoneProblem(timezone);
  if (tzProblem) add('timezone', tzProblem);

  let timing: Timing | undefined;
  const cron = input.cron === '' ? undefined : input.cron;
  const every = input.everyMs === 0 ? undefined : input.everyMs;
  if (cron !== undefined && every !== undefined)
    add('cron', 'give a cron expression or an interval, not both');
  else if (cron === undefined && every === undefined)
    add('cron', 'is required: a cron expression, or else an interval');
  else if (cron !== undefined) {
    const problem = cronProblem(cron, tzProblem ? 'UTC' : (timezone ?? 'UTC'));
    if (problem) add('cron', problem);
    else timing = { kind: 'cron', cron: cron.trim(), timezone: timezone ?? 'UTC' };
  } else if (every !== undefined) {
    if (!Number.isSafeInteger(every) || every < MIN_INTERVAL_MS || every % 1000 !== 0)
      add('interval', `must be a whole number of seconds, at least 1s (got ${every} ms)`);
    else timing = { kind: 'interval', everyMs: every };
    if (timezone !== undefined)
      add('timezone', 'applies to cron expressions only: an interval counts from the Unix epoch');
  }

  const overlap = input.overlap === undefined || input.overlap === '' ? 'skip' : input.overlap;
  if (!(OVERLAP_POLICIES as readonly string[]).includes(overlap))
    add('overlap', `"${overlap}" is not an overlap policy (${OVERLAP_POLICIES.join(', ')})`);

  const window = input.catchupWindowMs ?? DEFAULT_CATCHUP_WINDOW_MS;
  if (!Number.isFinite(window) || window < MIN_CATCHUP_WINDOW_MS || window > MAX_CATCHUP_WINDOW_MS)
    add('catchup_window', `must be from 1s to 365d (got ${window} ms)`);

  const action = checkAction(input, add);
  if (problems.length > 0 || !timing || !action) return { ok: false, problems };
  return {
    ok: true,
    spec: {
      timing,
      overlap: overlap as OverlapPolicy,
      catchupWindowMs: Math.round(window),
      action,
    },
  };
}

function checkAction(
  input: ScheduleSpecInput,
  add: (field: ScheduleField, message: string) => void,
): ScheduleAction | undefined {
  const workflow = input.workflow === '' ? undefined : input.workflow;
  const source = input.source === '' ? undefined : input.source;
  let ok = true;
  if (workflow === undefined && source === undefined) {
    add('workflow', 'is required: a registered workflow ("name" or "name@version"), or a workflow source');
    ok = false;
  } else if (workflow !== undefined && !/^[^@\s]+(@[^@\s]+)?$/.test(workflow)) {
    add('workflow', `"${workflow}" is not "name" or "name@version"`);
    ok = false;
  }
  const given = input.input ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    add('input', 'must be a JSON object');
    ok = false;
  }
  if (!ok) return undefined;
  return {
    ...(workflow !== undefined && { workflow }),
    ...(source !== undefined && { source }),
    input: given as Record<string, unknown>,
  };
}

/**
 * The request id a fire starts its run with: the same schedule and nominal time always give the same
 * id, so a fire retried after a crash finds the run it started instead of starting another.
 */
export const fireRequestId = (scheduleId: string, fireAt: number, manual = false): string =>
  `schedule:${scheduleId}:${manual ? 'manual:' : ''}${new Date(fireAt).toISOString()}`;
