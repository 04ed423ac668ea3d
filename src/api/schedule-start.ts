// How a schedule's fire starts its run in `baton serve`: as a StartRun request would (the registered
// workflow or the source, checked by parseStartRequest), under the request id derived from the schedule
// and the fire time, so a fire started again after a crash finds its run instead of making another.

import type { PendingFire } from '../core/schedules/index.js';
import { fireRequestId } from '../core/schedules/index.js';
import type { CheckOptions } from '../plan/index.js';
import type { Engine } from '../runtime/engine.js';
import type { FireStarter } from '../runtime/scheduler.js';
import type { ScheduleView } from '../runtime/schedules.js';
import { RunExistsError, type Store } from '../store/store.js';
import { StartRunRequest } from './gen/baton/v1/run.js';
import { parseStartRequest } from './run-request.js';

export interface FireStarterDeps {
  readonly engine: Engine;
  readonly store: Store;
  readonly check?: CheckOptions;
  /** Where relative module endpoints of the workflow resolve (as for StartRun: the server's cwd). */
  readonly baseDir?: string;
}

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
    const requestId = plan.options.requestId!;
    const known = await store.findRunByRequest(ns, requestId);
    // Started before a crash: the same run. Not compared with the action as StartRun compares a reused
    // request_id (api/request-reuse.ts): the id is the fire's, and an action edited since belongs to
    // later fires.
    if (known !== undefined) return known;
    try {
      const actor = await engine.start(plan.workflow, plan.input, {
        ...plan.options,
        schedule: { id: schedule.id, fireAt: fire.fireAt, ...(fire.manual && { manual: true }) },
      });
      // The overlap policy asks the store whether this run has ended: its row must be there first.
      await actor.whenCreated();
      return actor.runId;
    } catch (e) {
      // Another server started the same fire first: that run is the fire's run.
      const first = e instanceof RunExistsError ? await store.findRunByRequest(ns, requestId) : undefined;
      if (first !== undefined) return first;
      throw e;
    }
  };
}
