// Maps errors to gRPC statuses at the API boundary, once: a BatonError keeps its registry status and
// travels with a typed ErrorDetail in trailing metadata; anything else is INTERNAL, never UNKNOWN.

import { Metadata, status, type handleUnaryCall, type ServerErrorResponse } from '@grpc/grpc-js';
import { BatonError, type ErrorCode } from '../errors/registry.js';
import { ErrorDetail, type Violation } from './gen/baton/v1/errors.js';

/** The trailing-metadata key of the binary-encoded ErrorDetail (`-bin`: gRPC base64s it on the wire). */
export const ERROR_DETAIL_KEY = 'baton-error-bin';

/** Where an error lies: the request field (or workflow document path) and its place in the source. */
export interface ErrorPlace {
  readonly fieldPath?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  /** Every problem, when the request has several worth naming one by one (ModifyRun). */
  readonly violations?: readonly Violation[];
}

/** A BatonError raised by the API layer that also names the field (and source place) at fault. */
export class ApiError extends BatonError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly place: ErrorPlace,
  ) {
    super(code, message);
  }
}

/** The status a handler's error becomes: registry status + ErrorDetail, or INTERNAL for a bug. */
export function toServiceError(err: unknown): ServerErrorResponse {
  const known = err instanceof BatonError ? err : undefined;
  const code: ErrorCode = known?.code ?? 'BATON_E_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  const place = err instanceof ApiError ? err.place : {};
  const detail = ErrorDetail.create({
    code,
    message,
    fieldPath: place.fieldPath ?? '',
    line: place.line ?? 0,
    column: place.column ?? 0,
    hint: place.hint ?? '',
    retryable: known?.retryable ?? false,
    violations: [...(place.violations ?? [])],
  });
  const metadata = new Metadata();
  metadata.set(ERROR_DETAIL_KEY, Buffer.from(ErrorDetail.encode(detail).finish()));
  const shown = place.fieldPath ? `${place.fieldPath}: ${message}` : message;
  return Object.assign(new Error(shown), {
    name: 'ServiceError',
    code: known?.grpcStatus ?? status.INTERNAL,
    details: `${code}: ${shown}`,
    metadata,
  });
}

/** The ErrorDetail a failed call carried, for clients; undefined when it carried none. */
export function readErrorDetail(metadata: Metadata): ErrorDetail | undefined {
  const [value] = metadata.get(ERROR_DETAIL_KEY);
  return Buffer.isBuffer(value) ? ErrorDetail.decode(value) : undefined;
}

/**
 * A unary handler from an async function (given the request and the call's metadata): its result is
 * the response, whatever it throws a status.
 */
export function unary<Req, Res>(
  fn: (request: Req, metadata: Metadata) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request, call.metadata))
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}
