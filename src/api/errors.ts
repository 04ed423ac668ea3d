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

/**
 * Caps on what an error repeats, so its trailers (grpc-message and the base64 ErrorDetail) stay far
 * under HTTP/2 header limits whatever a request held: past them grpc-js cannot send the status, and the
 * call (and others on its connection) hangs. Messages quote request values through errors/quote.ts;
 * these caps are the backstop for any that does not.
 */
export const ERROR_CAPS = {
  message: 1024,
  fieldPath: 256,
  hint: 512,
  violationMessage: 512,
  subject: 128,
  /** Encoded ErrorDetail bytes (about 11 KiB once base64'd); violations beyond it are left out. */
  detailBytes: 8 * 1024,
} as const;

const cap = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The status a handler's error becomes: registry status + ErrorDetail, or INTERNAL for a bug. */
export function toServiceError(err: unknown): ServerErrorResponse {
  const known = err instanceof BatonError ? err : undefined;
  const code: ErrorCode = known?.code ?? 'BATON_E_INTERNAL';
  const message = cap(err instanceof Error ? err.message : String(err), ERROR_CAPS.message);
  const place = err instanceof ApiError ? err.place : {};
  const fieldPath = cap(place.fieldPath ?? '', ERROR_CAPS.fieldPath);
  const violations = (place.violations ?? []).map((v) => ({
    fieldPath: cap(v.fieldPath, ERROR_CAPS.fieldPath),
    code: cap(v.code, ERROR_CAPS.fieldPath),
    message: cap(v.message, ERROR_CAPS.violationMessage),
    subject: cap(v.subject, ERROR_CAPS.subject),
  }));
  const detail = ErrorDetail.create({
    code,
    message,
    fieldPath,
    line: place.line ?? 0,
    column: place.column ?? 0,
    hint: cap(place.hint ?? '', ERROR_CAPS.hint),
    retryable: known?.retryable ?? false,
    violations,
  });
  let bytes = ErrorDetail.encode(detail).finish();
  if (bytes.length > ERROR_CAPS.detailBytes) {
    // Keep the violations that fit (the first ones: a client fixes those first) and say how many.
    const all = violations.length;
    while (detail.violations.length > 0 && bytes.length > ERROR_CAPS.detailBytes) {
      detail.violations.length = Math.floor(detail.violations.length / 2);
      bytes = ErrorDetail.encode(detail).finish();
    }
    const note = ` (${all - detail.violations.length} more violations left out)`;
    detail.message = cap(message, ERROR_CAPS.message - note.length) + note;
    bytes = ErrorDetail.encode(detail).finish();
  }
  const metadata = new Metadata();
  metadata.set(ERROR_DETAIL_KEY, Buffer.from(bytes));
  const shown = fieldPath ? `${fieldPath}: ${message}` : message;
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
