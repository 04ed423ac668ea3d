// ScheduleService over gRPC: translates requests for runtime/schedules.ts (checks, storage) and the
// server's scheduler (pokes after a change, manual triggers), and their answers into Schedule messages.

import type { Scheduler } from '../runtime/scheduler.js';
import { ScheduleInvalidError, type Schedules } from '../runtime/schedules.js';
import type {
  CreateScheduleRequest,
  ListSchedulesRequest,
  PauseScheduleRequest,
  ScheduleServiceServer,
  UnpauseScheduleRequest,
} from './gen/baton/v1/schedule.js';
import { ApiError, unary } from './errors.js';
import { SCHEDULE_FIELD_PATH, scheduleInput, scheduleToProto } from './schedule-wire.js';

export interface ScheduleServiceDeps {
  readonly schedules: Schedules;
  /** The scheduler firing them in this server; without it TriggerSchedule is refused. */
  readonly scheduler?: Scheduler;
}

const PAGE = { default: 100, max: 1000 };

/** Every problem of a refused schedule, the first one's field as the error's. */
function invalid(e: ScheduleInvalidError): ApiError {
  const [first] = e.problems;
  return new ApiError('BATON_E_SCHEDULE_INVALID', first?.message ?? e.message, {
    fieldPath: first ? SCHEDULE_FIELD_PATH[first.field] : '',
    violations: e.problems.map((p) => ({
      fieldPath: SCHEDULE_FIELD_PATH[p.field],
      code: 'BATON_E_SCHEDULE_INVALID',
      message: p.message,
      subject: '',
    })),
  });
}

function idOf(req: { scheduleId: string }): string {
  if (req.scheduleId === '')
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the id of a schedule', {
      fieldPath: 'schedule_id',
    });
  return req.scheduleId;
}

export function scheduleService({ schedules, scheduler }: ScheduleServiceDeps): ScheduleServiceServer {
  async function create(req: CreateScheduleRequest) {
    try {
      const created = await schedules.create(req.scheduleId, scheduleInput(req), {
        paused: req.paused,
        note: req.note,
      });
      scheduler?.poke();
      return { schedule: scheduleToProto(created) };
    } catch (e) {
      throw e instanceof ScheduleInvalidError ? invalid(e) : e;
    }
  }

  async function list(req: ListSchedulesRequest) {
    const page = await schedules.list({
      limit: req.pageSize === 0 ? PAGE.default : Math.min(req.pageSize, PAGE.max),
      ...(req.pageToken !== '' && { cursor: req.pageToken }),
    });
    return { schedules: page.schedules.map(scheduleToProto), nextPageToken: page.nextCursor ?? '' };
  }

  return {
    createSchedule: unary(create),
    getSchedule: unary(async (req: { scheduleId: string }) => ({
      schedule: scheduleToProto(await schedules.get(idOf(req))),
    })),
    listSchedules: unary(list),
    deleteSchedule: unary(async (req: { scheduleId: string }) => {
      await schedules.delete(idOf(req));
      return {};
    }),
    pauseSchedule: unary(async (req: PauseScheduleRequest) => ({
      schedule: scheduleToProto(await schedules.pause(idOf(req), req.note)),
    })),
    unpauseSchedule: unary(async (req: UnpauseScheduleRequest) => {
      const schedule = scheduleToProto(await schedules.unpause(idOf(req), req.note));
      scheduler?.poke();
      return { schedule };
    }),
    triggerSchedule: unary(async (req: { scheduleId: string }) => {
      if (!scheduler)
        throw new ApiError('BATON_E_SERVER_UNIMPLEMENTED', 'this server runs no scheduler', {
          fieldPath: 'schedule_id',
        });
      return { runId: await scheduler.trigger(idOf(req)) };
    }),
  };
}
