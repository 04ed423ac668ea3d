// The HTTP gateway to Baton's API (mounted under /api on the HTTP listener; the web UI's only backend):
// POST /api/<service>/<Method> with a proto3-JSON body calls the SAME handlers the gRPC server serves
// (server.ts ServedService), Connect-style. The JSON is turned into the method's binary request and goes
// through the gRPC edge's own deserializer (request-edge.ts: request-check.ts limits, then decode), and
// the run guard wrapped into RunService's handlers, so a request is refused here exactly as over gRPC.
// Answers are proto3 JSON (camelCase fields, enum names, RFC 3339 times); a server-streaming method
// (WatchRun) answers NDJSON, one `{"result": ...}` per message and a final `{"error": ...}` if it fails.
// Errors are the ErrorDetail as JSON, `{"error": {"code": "BATON_E_...", "message", "fieldPath", ...}}`,
// with the HTTP status Connect gives the gRPC code. Client- and bidi-streaming methods (Work) are gRPC only.
// Limits are the edge's: JSON nesting is checked before the body is converted (gateway-depth.ts), and a
// large unary request holds the server's budget of large requests while it is handled, as over gRPC.

import { EventEmitter } from 'node:events';
import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import express, { type Request, type Response, type Router } from 'express';
import { BatonError } from '../errors/registry.js';
import { fault } from '../telemetry/faults.js';
import { ApiError, readErrorDetail, toServiceError } from './errors.js';
import { checkJsonDepth } from './gateway-depth.js';
import { LARGE_REQUEST_BYTES, MAX_MESSAGE_BYTES } from './limits.js';
import { descriptors, RejectedRequest, RequestBudget } from './request-edge.js';
import { PRINCIPAL_KEY } from './run-modify.js';
import type { ServedService } from './server.js';

/** The JSON error body of a failed call: ErrorDetail's fields. */
export interface GatewayErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly fieldPath?: string;
    readonly line?: number;
    readonly column?: number;
    readonly hint?: string;
    readonly violations?: unknown[];
  };
}

/** Connect's HTTP status for each gRPC code. */
const HTTP_STATUS: Partial<Record<number, number>> = {
  [status.CANCELLED]: 499,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.UNAUTHENTICATED]: 401,
};

interface Method {
  readonly input: DescMessage;
  readonly output: DescMessage;
  readonly serverStreaming: boolean;
  readonly clientStreaming: boolean;
  readonly serialize: (value: unknown) => Buffer;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly handler: (call: unknown, callback?: unknown) => void;
}

/**
 * The gateway's express router over `services` (mount it under "/api"); `budget` is the gRPC server's
 * (BatonServer.budget), so large requests count against one budget whichever way they come.
 */
export function apiGateway(services: readonly ServedService[], budget = new RequestBudget()): Router {
  const methods = new Map<string, Method>();
  for (const s of services) {
    const desc = descriptors().getService(s.name);
    if (!desc) throw new Error(`${s.name} is not in the descriptor set (run npm run generate)`);
    for (const [key, def] of Object.entries(s.definition)) {
      const m = desc.methods.find((x) => `/${s.name}/${x.name}` === def.path);
      const handler = s.handlers[key];
      if (!m || !handler) continue;
      methods.set(def.path.slice(1), {
        input: m.input,
        output: m.output,
        serverStreaming: def.responseStream,
        clientStreaming: def.requestStream,
        serialize: def.responseSerialize as (value: unknown) => Buffer,
        deserialize: def.requestDeserialize as (bytes: Buffer) => unknown,
        handler: handler as Method['handler'],
      });
    }
  }
  const router = express.Router();
  router.use(jsonBodyOnly);
  // JSON spells bytes longer than binary does; request-check.ts bounds the decoded request anyway.
  router.use(express.json({ limit: 2 * MAX_MESSAGE_BYTES, strict: false }));
  router.post('/:service/:method', (req: Request, res: Response) => {
    const path = `${String(req.params.service)}/${String(req.params.method)}`;
    const method = methods.get(path);
    if (!method)
      return sendError(res, new BatonError('BATON_E_HTTP_NOT_FOUND', `no such method: ${path}`), 404);
    if (method.clientStreaming)
      return sendError(
        res,
        new BatonError('BATON_E_HTTP_NOT_FOUND', `${path} streams requests: call it over gRPC`),
        404,
      );
    let request: unknown;
    let size: number;
    try {
      ({ request, size } = decodeRequest(method, req.body as JsonValue));
    } catch (e) {
      return sendError(res, e);
    }
    const metadata = new Metadata();
    const principal = req.get(PRINCIPAL_KEY);
    // gRPC metadata is printable ASCII (grpc-js throws on anything else); HTTP headers may carry more.
    if (principal !== undefined && !/^[\x20-\x7e]*$/.test(principal))
      return sendError(
        res,
        new ApiError('BATON_E_REQUEST_INVALID', 'must be printable ASCII (a gRPC metadata value)', {
          fieldPath: PRINCIPAL_KEY,
        }),
      );
    if (principal !== undefined) metadata.set(PRINCIPAL_KEY, principal);
    if (method.serverStreaming) return stream(method, request, metadata, req, res);
    // As at the gRPC edge (EdgeCall): a large unary request holds its size of the budget until answered.
    const held = size > LARGE_REQUEST_BYTES ? size : 0;
    if (held > 0 && !budget.take(held))
      return sendError(
        res,
        new BatonError(
          'BATON_E_SERVER_BUSY',
          `the server is handling ${budget.inUse} bytes of large requests (its budget is ${budget.limit}); retry shortly`,
        ),
      );
    let released = held === 0;
    const release = () => {
      if (!released) budget.give(held);
      released = true;
    };
    res.on('close', release);
    method.handler({ request, metadata, cancelled: false }, (err: ServiceError | null, value: unknown) => {
      release();
      if (err) return sendError(res, err);
      res.json(encodeResponse(method, value));
    });
  });
  // Anything else under /api is the API's to refuse (never the UI's index.html).
  router.use((req: Request, res: Response) =>
    sendError(
      res,
      new BatonError(
        'BATON_E_HTTP_NOT_FOUND',
        `no such path: ${req.method} ${req.originalUrl}; the API answers POST /api/<service>/<Method>`,
      ),
      404,
    ),
  );
  return router;
}

/**
 * A body that is not JSON (curl -d sends application/x-www-form-urlencoded) is refused with 415: read
 * as no body at all, it would be answered as an empty request ("run_id is required").
 */
function jsonBodyOnly(req: Request, res: Response, next: () => void): void {
  const length = req.get('content-length');
  const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if (!hasBody || req.is(['application/json', '+json'])) return next();
  const type = req.get('content-type');
  sendError(
    res,
    new BatonError(
      'BATON_E_HTTP_BAD_REQUEST',
      `the body is sent as ${type === undefined ? 'no Content-Type' : JSON.stringify(type)}: the API takes proto3 JSON with Content-Type: application/json`,
    ),
    415,
  );
}

/**
 * JSON -> the method's binary request -> the gRPC edge's checked decode: the same message gRPC would
 * give, and its size in bytes.
 */
function decodeRequest(method: Method, body: JsonValue): { request: unknown; size: number } {
  // Before fromJson, which refuses deep JSON with a message of its own, naming no field.
  checkJsonDepth(method.input, body);
  let bytes: Uint8Array;
  try {
    bytes = toBinary(method.input, fromJson(method.input, body ?? {}, { registry: descriptors() }));
  } catch (e) {
    throw new BatonError(
      'BATON_E_BAD_REQUEST',
      `the request is not a ${method.input.typeName} in proto3 JSON: ${(e as Error).message}`,
    );
  }
  const decoded = method.deserialize(Buffer.from(bytes));
  if (decoded instanceof RejectedRequest) throw decoded.error;
  return { request: decoded, size: bytes.length };
}

function encodeResponse(method: Method, value: unknown): JsonValue {
  const message = fromBinary(method.output, method.serialize(value));
  return toJson(method.output, message, { registry: descriptors() });
}

/** The error body and HTTP status of a handler's error (a ServiceError) or any other error. */
export function errorBody(err: unknown): { status: number; body: GatewayErrorBody } {
  const service =
    err !== null && typeof err === 'object' && 'metadata' in err && err.metadata instanceof Metadata
      ? (err as ServiceError)
      : toServiceError(err);
  const detail = service.metadata && readErrorDetail(service.metadata);
  const body: GatewayErrorBody = {
    error: detail
      ? {
          code: detail.code,
          message: detail.message,
          ...(detail.fieldPath !== '' && { fieldPath: detail.fieldPath }),
          ...(detail.line > 0 && { line: detail.line, column: detail.column }),
          ...(detail.hint !== '' && { hint: detail.hint }),
          ...(detail.violations.length > 0 && { violations: detail.violations }),
        }
      : { code: 'BATON_E_INTERNAL', message: service.message },
  };
  return { status: HTTP_STATUS[service.code ?? status.INTERNAL] ?? 500, body };
}

function sendError(res: Response, err: unknown, httpStatus?: number): void {
  const { status: code, body } = errorBody(err);
  if (code >= 500) fault('http', 'api gateway call', err);
  res.status(httpStatus ?? code).json(body);
}

/**
 * A server-streaming call answered as NDJSON. The handler gets what grpc-js would give it: an emitter
 * with request, metadata, write() (false while the socket's buffer is full, then 'drain'), end(), and
 * 'cancelled' when the client goes away; its emitted 'error' becomes the last line.
 */
function stream(method: Method, request: unknown, metadata: Metadata, req: Request, res: Response): void {
  res.status(200);
  res.setHeader('content-type', 'application/x-ndjson');
  res.setHeader('cache-control', 'no-store');
  res.flushHeaders();
  const call = Object.assign(new EventEmitter(), {
    request,
    metadata,
    cancelled: false,
    destroyed: false,
    writableEnded: false,
    write(value: unknown): boolean {
      if (call.writableEnded || call.cancelled) return false;
      return res.write(`${JSON.stringify({ result: encodeResponse(method, value) })}\n`);
    },
    end(): void {
      if (call.writableEnded) return;
      call.writableEnded = true;
      res.end();
    },
  });
  call.on('error', (err: unknown) => {
    if (call.writableEnded || call.cancelled) return;
    const { body } = errorBody(err);
    call.writableEnded = true;
    res.end(`${JSON.stringify(body)}\n`);
  });
  res.on('drain', () => call.emit('drain'));
  res.on('close', () => {
    if (call.writableEnded) return;
    call.cancelled = true;
    call.destroyed = true;
    call.emit('cancelled');
  });
  req.on('error', (e) => fault('http', 'api gateway stream', e));
  method.handler(call);
}
