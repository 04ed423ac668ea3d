// Checks every RunService request before its handler sees it: a `run_id` that no run can have (empty,
// longer than 256 characters, or with whitespace, control or non-ASCII characters) is INVALID_ARGUMENT
// naming the field, rather than a NOT_FOUND that hides the client's bug. While the server drains,
// StartRun is refused with UNAVAILABLE (BATON_E_SERVER_DRAINING) so clients retry after the restart.
// Wraps the handlers generically, so RPCs added to RunService later are checked too.

import type { ServerWritableStream, UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import { ApiError, toServiceError } from './errors.js';

/** Run ids are Baton's (`run_...`, children `parent.key.attempt`): printable ASCII. */
const RUN_ID = /^[\x21-\x7e]{1,256}$/;

export interface Admission {
  /** True from the moment a drain begins: no new runs. */
  readonly draining: boolean;
}

export function checkRunId(request: unknown): void {
  if (request === null || typeof request !== 'object' || !('runId' in request)) return;
  const runId = request.runId;
  if (typeof runId !== 'string' || runId === '')
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the id of a run', { fieldPath: 'run_id' });
  if (!RUN_ID.test(runId))
    throw new ApiError(
      'BATON_E_REQUEST_INVALID',
      runId.length > 256
        ? 'is longer than 256 characters: no run has such an id'
        : 'has whitespace, control or non-ASCII characters: no run has such an id',
      { fieldPath: 'run_id' },
    );
}

type Check = (method: string, request: unknown) => void;

/** The handlers with `check` run first; a throw becomes the call's status (unary) or stream error. */
function guarded<T extends UntypedServiceImplementation>(handlers: T, check: Check): T {
  const out: Record<string, UntypedHandleCall> = {};
  for (const [method, handler] of Object.entries(handlers)) {
    out[method] = ((call: { request: unknown }, callback?: (err: unknown) => void) => {
      try {
        check(method, call.request);
      } catch (err) {
        const status = toServiceError(err);
        if (callback) callback(status);
        else (call as unknown as ServerWritableStream<unknown, unknown>).emit('error', status);
        return;
      }
      (handler as (c: unknown, cb?: unknown) => void)(call, callback);
    }) as UntypedHandleCall;
  }
  return out as T;
}

/** RunService handlers with run ids checked and StartRun refused while `admission` says draining. */
export function guardRunService<T extends UntypedServiceImplementation>(
  handlers: T,
  admission?: Admission,
): T {
  return guarded(handlers, (method, request) => {
    if (method === 'startRun' && admission?.draining)
      throw new BatonError(
        'BATON_E_SERVER_DRAINING',
        'the server is shutting down and starts no new runs; retry once it has restarted',
      );
    checkRunId(request);
  });
}
