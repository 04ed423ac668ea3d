// How a schedule's fire starts its run in `baton serve`: as a StartRun request would (the registered
// workflow or the source, checked by parseStartRequest), under the request id derived from the schedule
// and the fire time, so a fire started again after a crash finds its run instead of making another.

import type { PendingFire } from '../core/schedules/index.js';
import { fireRequestId } from '../core/schedules/index.js';
import type { CheckOptions } from '../plan/index.js';
import type { Engine } from '../runtime/engine.js';
import type { FireStarter } from '../runtime/scheduler.js';
import type { ScheduleView } from '../runtime/schedules.js';
import type { Store } from '../store/store.js';
import { StartRunRequest } from './gen/baton/v1/run.js';
import { parseStartRequest } from './run-request.js';

export interface FireStarterDeps {
  readonly engine: Engine;
  readonly store: Store;
  readonly check?: CheckOptions;
  /** Where relative module endpoints of the workflow resolve (as for StartRun: the server's cwd). */
  readonly baseDir?: string;
}

/** How long a fire waits for its new run's row (written by the run's first commit, a moment later). */
const ROW_WAIT_MS = 5_000;

export function fireStarter(deps: FireStarterDeps): FireStarter {
  const { engine, store } = deps;
  const ns = engine.namespace;
  return async (schedule: ScheduleView, fire: PendingFire): Promise<string> => {
    const { action } = schedule.spec;
    const req = StartRunRequest.fromPartial({
      workflowId: action.workflow ?? '',
      workflowSource: action.source ?? '',
      inputData: action.input,
      requestId: fireRequestId(schedule.id, fire.fireAt, fire.manual),
    });
    const plan = await parseStartRequest(req, deps.check ?? {}, deps.baseDir ?? process.cwd(), {
      store,
      namespace: ns,
    });
    const runId = plan.options.runId!;
    if (await store.getRun(ns, runId)) return runId; // started before a crash: the same run
    await engine.start(plan.workflow, plan.input, {
      ...plan.options,
      schedule: { id: schedule.id, fireAt: fire.fireAt, ...(fire.manual && { manual: true }) },
    });
    // The overlap policy asks the store whether this run has ended: it must be there before the next tick.
    const deadline = Date.now() + ROW_WAIT_MS;
    while (!(await store.getRun(ns, runId)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return runId;
  };
}
