// Errors a Baton call can end with, decoded once from the gRPC status and the server's typed
// ErrorDetail (trailer `baton-error-bin`): one class per status category, so callers `instanceof` or
// switch on `category`, and `code` carries Baton's finer registry code when the server sent one.

import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { ErrorDetail } from './gen/baton/v1/errors.js';

/** The trailing-metadata key of the binary ErrorDetail Baton attaches to every error it knows. */
export const ERROR_DETAIL_KEY = 'baton-error-bin';

/** The status categories callers usually branch on; anything else is 'other'. */
export type ErrorCategory =
  | 'cancelled'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'unauthenticated'
  | 'other';

export interface BatonErrorInit {
  /** Baton's registry code (e.g. BATON_E_UNKNOWN_RUN), or `GRPC_<STATUS>` when the server sent no detail. */
  readonly code: string;
  readonly message: string;
  readonly grpcStatus: status;
  readonly fieldPath?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/** A failed Baton call. Thrown by every client method; subclasses name the status category. */
export class BatonError extends Error {
  /** Baton's registry code, or `GRPC_<STATUS>` when the server attached no ErrorDetail. */
  readonly code: string;
  /** The gRPC status code of the call. */
  readonly grpcStatus: status;
  readonly category: ErrorCategory = 'other';
  /** The request field (or workflow document path) at fault, dot-separated; '' when none. */
  readonly fieldPath: string;
  /** 1-based line:column in the submitted workflow source; 0 when not about a source. */
  readonly line: number;
  readonly column: number;
  /** How to fix it, when Baton can tell; '' otherwise. */
  readonly hint: string;
  /** Whether the same call may succeed if retried unchanged (always true for UNAVAILABLE). */
  readonly retryable: boolean;

  constructor(init: BatonErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.grpcStatus = init.grpcStatus;
    this.fieldPath = init.fieldPath ?? '';
    this.line = init.line ?? 0;
    this.column = init.column ?? 0;
    this.hint = init.hint ?? '';
    this.retryable = (init.retryable ?? false) || init.grpcStatus === status.UNAVAILABLE;
  }
}

/** The call was cancelled (by an AbortSignal, or by the server). */
export class CancelledError extends BatonError {
  override readonly category = 'cancelled';
}
/** The request was malformed or the workflow invalid: `fieldPath` (and line:column) say where. */
export class InvalidArgumentError extends BatonError {
  override readonly category = 'invalid_argument';
}
/** The call's deadline passed before it finished. */
export class DeadlineExceededError extends BatonError {
  override readonly category = 'deadline_exceeded';
}
/** The run, workflow or agent named does not exist. */
export class NotFoundError extends BatonError {
  override readonly category = 'not_found';
}
/** Something with that identity exists with a different definition. */
export class AlreadyExistsError extends BatonError {
  override readonly category = 'already_exists';
}
export class PermissionDeniedError extends BatonError {
  override readonly category = 'permission_denied';
}
/** A limit (quota, payload size) was hit. */
export class ResourceExhaustedError extends BatonError {
  override readonly category = 'resource_exhausted';
}
/** The target is not in a state that allows the call (e.g. pausing a finished run). */
export class FailedPreconditionError extends BatonError {
  override readonly category = 'failed_precondition';
}
export class AbortedError extends BatonError {
  override readonly category = 'aborted';
}
/** The server does not serve this method (yet). */
export class UnimplementedError extends BatonError {
  override readonly category = 'unimplemented';
}
/** A bug on the server; the message says what it knows. */
export class InternalError extends BatonError {
  override readonly category = 'internal';
}
/** The server could not be reached, or the connection dropped; safe calls are retried. */
export class UnavailableError extends BatonError {
  override readonly category = 'unavailable';
}
export class UnauthenticatedError extends BatonError {
  override readonly category = 'unauthenticated';
}

const CLASSES: Partial<Record<status, new (init: BatonErrorInit) => BatonError>> = {
  [status.CANCELLED]: CancelledError,
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.NOT_FOUND]: NotFoundError,
  [status.ALREADY_EXISTS]: AlreadyExistsError,
  [status.PERMISSION_DENIED]: PermissionDeniedError,
  [status.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [status.FAILED_PRECONDITION]: FailedPreconditionError,
  [status.ABORTED]: AbortedError,
  [status.UNIMPLEMENTED]: UnimplementedError,
  [status.INTERNAL]: InternalError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.UNAUTHENTICATED]: UnauthenticatedError,
};

/** The ErrorDetail in a call's trailers, or undefined when there is none (or it does not decode). */
export function readErrorDetail(metadata: Metadata | undefined): ErrorDetail | undefined {
  const [value] = metadata?.get(ERROR_DETAIL_KEY) ?? [];
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    return ErrorDetail.decode(value);
  } catch {
    // A garbled trailer must not hide the status the call did carry.
    return undefined;
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Turns what a grpc-js call failed with into a BatonError subclass; other values become InternalError. */
export function decodeError(err: unknown): BatonError {
  if (err instanceof BatonError) return err;
  if (!isServiceError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new InternalError({ code: 'GRPC_INTERNAL', message, grpcStatus: status.INTERNAL, cause: err });
  }
  const grpcStatus = err.code;
  const detail = readErrorDetail(err.metadata);
  const Class = CLASSES[grpcStatus] ?? BatonError;
  return new Class({
    code: detail?.code || `GRPC_${status[grpcStatus] ?? grpcStatus}`,
    // The detail's message is the server's own; err.details is grpc-js's text when there is no detail.
    message: detail?.message || err.details || err.message,
    grpcStatus,
    fieldPath: detail?.fieldPath ?? '',
    line: detail?.line ?? 0,
    column: detail?.column ?? 0,
    hint: detail?.hint ?? '',
    retryable: detail?.retryable ?? false,
    cause: err,
  });
}
