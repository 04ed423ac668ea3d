// Converts between baton.v1 schedule messages and the runtime's schedules: a CreateScheduleRequest into
// what runtime/schedules.ts checks, a schedule into a Schedule message, and a problem's field into the
// request field path it names.

import type {
  OverlapPolicy as DomainOverlap,
  ScheduleField,
  ScheduleSpecInput,
} from '../core/schedules/index.js';
import type { ScheduleView } from '../runtime/schedules.js';
import type { Duration } from './gen/google/protobuf/duration.js';
import { OverlapPolicy, type CreateScheduleRequest, type Schedule } from './gen/baton/v1/schedule.js';

const OVERLAP: Record<DomainOverlap, OverlapPolicy> = {
  skip: OverlapPolicy.OVERLAP_POLICY_SKIP,
  buffer_one: OverlapPolicy.OVERLAP_POLICY_BUFFER_ONE,
  allow_all: OverlapPolicy.OVERLAP_POLICY_ALLOW_ALL,
};

/** The request field each problem of runtime/schedules.ts is about. */
export const SCHEDULE_FIELD_PATH: Record<ScheduleField, string> = {
  schedule_id: 'schedule_id',
  cron: 'spec.cron',
  interval: 'spec.interval',
  timezone: 'spec.timezone',
  overlap: 'spec.overlap',
  catchup_window: 'spec.catchup_window',
  workflow: 'action.workflow_id',
  input: 'action.input_data',
};

const ms = (d: Duration): number => d.seconds * 1000 + d.nanos / 1e6;

function overlapName(p: OverlapPolicy): string | undefined {
  if (p === OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED) return undefined;
  const found = (Object.keys(OVERLAP) as DomainOverlap[]).find((k) => OVERLAP[k] === p);
  return found ?? `${String(p)} (an enum value this server does not know)`;
}

export function scheduleInput(req: CreateScheduleRequest): ScheduleSpecInput {
  const spec = req.spec;
  const action = req.action;
  const overlap = spec ? overlapName(spec.overlap) : undefined;
  return {
    ...(spec?.cron !== undefined && { cron: spec.cron }),
    ...(spec?.interval && { everyMs: ms(spec.interval) }),
    ...(spec?.timezone && { timezone: spec.timezone }),
    ...(overlap !== undefined && { overlap }),
    ...(spec?.catchupWindow && { catchupWindowMs: ms(spec.catchupWindow) }),
    ...(action?.workflowId && { workflow: action.workflowId }),
    ...(action?.workflowSource && { source: action.workflowSource }),
    ...(action?.inputData && { input: action.inputData }),
  };
}

const date = (t: number | undefined | null): Date | undefined =>
  t === null || t === undefined ? undefined : new Date(t);
const duration = (milliseconds: number): Duration => ({
  seconds: Math.floor(milliseconds / 1000),
  nanos: (milliseconds % 1000) * 1e6,
});

export function scheduleToProto(v: ScheduleView): Schedule {
  const { timing, action } = v.spec;
  const s = v.state;
  return {
    scheduleId: v.id,
    spec: {
      ...(timing.kind === 'cron'
        ? { cron: timing.cron, timezone: timing.timezone }
        : { interval: duration(timing.everyMs), timezone: '' }),
      overlap: OVERLAP[v.spec.overlap],
      catchupWindow: duration(v.spec.catchupWindowMs),
    },
    action: {
      workflowId: action.workflow ?? '',
      workflowSource: action.source ?? '',
      inputData: action.input,
    },
    paused: v.paused,
    note: v.note,
    nextFireTime: date(v.nextFireAt),
    info: {
      runsStarted: s.counts.started,
      firesSkipped: s.counts.skipped,
      firesMissed: s.counts.missed,
      startsFailed: s.counts.failed,
      recentRuns: s.recent.map((r) => ({
        runId: r.runId,
        fireTime: new Date(r.fireAt),
        manual: r.manual ?? false,
        startedAt: new Date(r.startedAt),
      })),
      bufferedFireTime: date(s.buffered),
      lastErrorCode: s.lastError?.code ?? '',
      lastErrorMessage: s.lastError?.message ?? '',
      lastErrorTime: date(s.lastError?.at),
    },
    createdAt: new Date(v.createdAt),
    updatedAt: new Date(v.updatedAt),
  };
}
