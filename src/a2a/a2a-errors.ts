// Baton's errors as the A2A errors the SDK's transports encode (spec §5.4: JSON-RPC code, gRPC status,
// HTTP status). A coded BatonError keeps its code in the message; what a caller did wrong becomes
// RequestMalformedError (-32602 / INVALID_ARGUMENT / 400); a run that is not there TaskNotFoundError;
// anything unexpected is logged and answered as an internal error that names no internals.

import {
  A2AError,
  RequestMalformedError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { BatonError, ERRORS } from '../errors/registry.js';
import { quote } from '../errors/quote.js';
import { fault } from '../telemetry/faults.js';

export const taskNotFound = (id: string): A2AError =>
  new TaskNotFoundError(`task ${quote(id)} does not exist (a task id is the id of a run of this workflow)`);

/** Thrown for an error the server itself hit (a store outage...): the message is safe to show. */
export class ServedError extends Error {}

/** `e` as the error an A2A caller gets. */
export function toA2AError(e: unknown, what: string): Error {
  if (e instanceof A2AError) return e;
  if (e instanceof BatonError) {
    const text = `${e.code}: ${e.message}`;
    if (e.code === 'BATON_E_RUN_NOT_FOUND') return new TaskNotFoundError(text);
    const status = ERRORS[e.code].grpc;
    if (status === 'INVALID_ARGUMENT') return new RequestMalformedError(text);
    if (status === 'FAILED_PRECONDITION') return new UnsupportedOperationError(text);
    if (status !== 'INTERNAL') return new ServedError(text);
  }
  fault('a2a', what, e);
  return new ServedError(`${what} failed inside Baton; the server log has the cause`);
}
