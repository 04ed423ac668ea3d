// The schedules of one namespace as the API and the CLI manage them: create (checked: timing, policy,
// the workflow a fire runs and its input), read, list, delete, pause and unpause. Every change is a
// read, then a write conditional on the revision read, retried: it never undoes a scheduler's claim.
// The scheduler that fires them is runtime/scheduler.ts.

import {
  emptyScheduleState,
  nextFireAfter,
  parseScheduleSpec,
  pauseState,
  readScheduleState,
  scheduleIdProblem,
  type ScheduleProblem,
  type ScheduleSpec,
  type ScheduleSpecInput,
  type ScheduleState,
} from '../core/schedules/index.js';
import { BatonError } from '../errors/registry.js';
import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import { resolveRunInput } from '../spec/run-input.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type { ScheduleRecord, ScheduleUpdate, Store } from '../store/store.js';

/** A schedule as its owners see it: the stored row with its spec and state decoded. */
export interface ScheduleView {
  readonly id: string;
  readonly spec: ScheduleSpec;
  readonly paused: boolean;
  readonly note: string;
  readonly nextFireAt: number | null;
  readonly state: ScheduleState;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const toScheduleView = (r: ScheduleRecord): ScheduleView => ({
  id: r.scheduleId,
  spec: r.spec as ScheduleSpec,
  paused: r.paused,
  note: r.note,
  nextFireAt: r.nextFireAt,
  state: readScheduleState(r.state),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/**
 * A schedule as the CLI prints it, whether read from the data directory or from a server (whose client,
 * api/schedule-client.ts, builds the same shape from the Schedule message): plain JSON, times in ISO.
 */
export interface ScheduleSummary {
  readonly id: string;
  /** "name", "name@version", or "" when the schedule carries a workflow source. */
  readonly workflow: string;
  readonly hasSource: boolean;
  readonly cron?: string;
  readonly timezone?: string;
  readonly everySeconds?: number;
  readonly overlap: string;
  readonly catchupWindowSeconds: number;
  readonly input: Record<string, unknown>;
  readonly paused: boolean;
  readonly note: string;
  readonly nextFire: string | null;
  readonly counts: { started: number; skipped: number; missed: number; failed: number };
  readonly bufferedFire?: string;
  readonly recentRuns: ReadonlyArray<{ runId: string; fireTime: string; manual: boolean }>;
  readonly lastError?: { code: string; message: string; at: string };
}

const iso = (t: number) => new Date(t).toISOString();

export function summarizeSchedule(v: ScheduleView): ScheduleSummary {
  const { timing, action } = v.spec;
  const s = v.state;
  return {
    id: v.id,
    workflow: action.workflow ?? '',
    hasSource: action.source !== undefined,
    ...(timing.kind === 'cron'
      ? { cron: timing.cron, timezone: timing.timezone }
      : { everySeconds: timing.everyMs / 1000 }),
    overlap: v.spec.overlap,
    catchupWindowSeconds: v.spec.catchupWindowMs / 1000,
    input: action.input,
    paused: v.paused,
    note: v.note,
    nextFire: v.nextFireAt === null ? null : iso(v.nextFireAt),
    counts: { ...s.counts },
    ...(s.buffered !== undefined && { bufferedFire: iso(s.buffered) }),
    recentRuns: s.recent.map((r) => ({ runId: r.runId, fireTime: iso(r.fireAt), manual: r.manual ?? false })),
    ...(s.lastError && {
      lastError: { code: s.lastError.code, message: s.lastError.message, at: iso(s.lastError.at) },
    }),
  };
}

/** A schedule that cannot be created as given; `problems` names each field at fault. */
export class ScheduleInvalidError extends BatonError {
  constructor(readonly problems: readonly ScheduleProblem[]) {
    super('BATON_E_SCHEDULE_INVALID', problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

export class ScheduleNotFoundError extends BatonError {
  constructor(
    readonly ns: string,
    readonly scheduleId: string,
  ) {
    super('BATON_E_SCHEDULE_NOT_FOUND', `schedule "${scheduleId}" does not exist in namespace "${ns}"`);
  }
}

export interface SchedulesOptions {
  readonly store: Store;
  readonly namespace: string;
  readonly now?: () => number;
  /** What a workflow source is checked against, as in `baton validate` (agent registry, constraints). */
  readonly check?: CheckOptions;
}

/** How often a change retries when a scheduler's claim moved the revision between its read and write. */
const UPDATE_TRIES = 20;

export class Schedules {
  readonly namespace: string;
  readonly #store: Store;
  readonly #now: () => number;

  constructor(private readonly o: SchedulesOptions) {
    this.namespace = o.namespace;
    this.#store = o.store;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Checks everything before anything is stored: the timing and policy, and that the workflow exists (or
   * the source is valid) and takes the input. A registered "name" is looked up again at each fire.
   */
  async create(
    id: string,
    input: ScheduleSpecInput,
    options: { paused?: boolean; note?: string } = {},
  ): Promise<ScheduleView> {
    const idProblem = scheduleIdProblem(id);
    const parsed = parseScheduleSpec(input);
    const problems = [...(idProblem ? [idProblem] : []), ...(parsed.ok ? [] : parsed.problems)];
    if (problems.length > 0 || !parsed.ok) throw new ScheduleInvalidError(problems);
    const spec = parsed.spec;
    resolveRunInput(await this.#workflowOf(spec), spec.action.input);
    const now = this.#now();
    const nextFireAt = nextFireAfter(spec.timing, now);
    await this.#store.createSchedule({
      ns: this.namespace,
      scheduleId: id,
      spec,
      paused: options.paused ?? false,
      note: options.note ?? '',
      nextFireAt,
      wakeAt: nextFireAt,
      state: emptyScheduleState(),
      createdAt: now,
    });
    return this.get(id);
  }

  async get(id: string): Promise<ScheduleView> {
    return toScheduleView(await this.#record(id));
  }

  async list(options: { limit?: number; cursor?: string } = {}) {
    const page = await this.#store.listSchedules(this.namespace, options);
    return {
      schedules: page.schedules.map(toScheduleView),
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#store.deleteSchedule(this.namespace, id)))
      throw new ScheduleNotFoundError(this.namespace, id);
  }

  /** Stops firing; a fire waiting in the buffer is dropped. Pausing a paused schedule changes its note. */
  pause(id: string, note = ''): Promise<ScheduleView> {
    return this.change(id, (r) => ({
      ...r,
      paused: true,
      note,
      state: pauseState(readScheduleState(r.state)),
    }));
  }

  /** Fires again from the next fire time after now: the fires it would have had while paused are not made up. */
  unpause(id: string, note = ''): Promise<ScheduleView> {
    return this.change(id, (r) => {
      if (!r.paused) return { ...r, note };
      const next = nextFireAfter((r.spec as ScheduleSpec).timing, this.#now());
      return { ...r, paused: false, note, nextFireAt: next, wakeAt: next };
    });
  }

  /** Reads, changes and writes back at the revision read, until no claim comes in between. */
  async change(
    id: string,
    fn: (r: ScheduleRecord) => Omit<ScheduleUpdate, 'updatedAt'>,
  ): Promise<ScheduleView> {
    for (let i = 0; i < UPDATE_TRIES; i++) {
      const r = await this.#record(id);
      const u = fn(r);
      const update: ScheduleUpdate = {
        spec: u.spec,
        paused: u.paused,
        note: u.note,
        nextFireAt: u.nextFireAt,
        wakeAt: u.wakeAt,
        state: u.state,
        updatedAt: this.#now(),
      };
      if (await this.#store.updateSchedule(this.namespace, id, r.revision, update)) return this.get(id);
    }
    throw new BatonError(
      'BATON_E_STORE_UNAVAILABLE',
      `schedule "${id}" kept changing under ${UPDATE_TRIES} attempts to update it; try again`,
    );
  }

  async #record(id: string): Promise<ScheduleRecord> {
    const r = await this.#store.getSchedule(this.namespace, id);
    if (!r) throw new ScheduleNotFoundError(this.namespace, id);
    return r;
  }

  /** The workflow a fire would run now, checked; for the input check at creation. */
  async #workflowOf(spec: ScheduleSpec): Promise<Pick<WorkflowSpec, 'name' | 'inputs'>> {
    const { workflow, source } = spec.action;
    const at = workflow?.lastIndexOf('@') ?? -1;
    const name = workflow === undefined ? undefined : at < 0 ? workflow : workflow.slice(0, at);
    const version = workflow === undefined || at < 0 ? undefined : workflow.slice(at + 1);
    if (source !== undefined) {
      const r = checkWorkflowSource(source, this.o.check ?? {});
      if (!r.ok) {
        const d = r.diagnostics[0]!;
        throw new BatonError(d.code, `the schedule's workflow source, line ${d.line}:${d.col}: ${d.message}`);
      }
      if (name !== undefined && name !== r.spec.name)
        throw new ScheduleInvalidError([
          { field: 'workflow', message: `is "${name}" but the workflow source declares "${r.spec.name}"` },
        ]);
      return r.spec;
    }
    const w = await this.#store.getWorkflow(this.namespace, name!, version);
    if (!w)
      throw new BatonError(
        'BATON_E_WORKFLOW_NOT_FOUND',
        `workflow ${workflow} is not registered in namespace "${this.namespace}" (register it first, or give the source)`,
      );
    return w.spec as WorkflowSpec;
  }
}
