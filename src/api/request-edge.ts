// The gRPC edge every request crosses before a handler sees it. Each service definition's
// requestDeserialize is wrapped (edgeService) so the bytes are checked against the method's request type
// and limits.ts (request-check.ts) and then decoded; a problem never throws there (grpc-js would answer
// INTERNAL "Error deserializing request") but becomes a RejectedRequest, which the server interceptor
// (edgeInterceptor) answers with its coded status and ErrorDetail, ending the call (a Work stream too: its
// handler is told the call is cancelled) without the handler running. The interceptor also keeps the
// budget of large requests handled at once (limits.ts).

import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import {
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import { ApiError, toServiceError } from './errors.js';
import { LARGE_REQUEST_BUDGET_BYTES, LARGE_REQUEST_BYTES } from './limits.js';
import { deepDecoder } from './deep-reader.js';
import { descriptorSetPath } from './reflection.js';
import { checkRequest, type RequestProblem } from './request-check.js';

/** What a wrapped deserializer returns instead of a message: the error the call ends with. */
export class RejectedRequest {
  constructor(readonly error: BatonError) {}
}

let registry: FileRegistry | undefined;

/** The descriptor set's types (src/api/gen/baton.binpb, the one reflection serves), read once. */
export function descriptors(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath())));
  return registry;
}

/** The request type of a method path ("/baton.v1.RunService/GetRun"). */
export function requestType(path: string): DescMessage {
  const [, service = '', method = ''] = path.split('/');
  const found = descriptors()
    .getService(service)
    ?.methods.find((m) => m.name === method);
  if (!found) throw new Error(`${path} is not in the descriptor set (run npm run generate)`);
  return found.input;
}

/** Encoded size of each decoded request over LARGE_REQUEST_BYTES, for the budget. */
const largeSizes = new WeakMap<object, number>();

function problemError(method: string, p: RequestProblem): ApiError {
  const message =
    p.code === 'BATON_E_BAD_REQUEST' && p.fieldPath === ''
      ? `the ${method} request ${p.message}`
      : p.code === 'BATON_E_BAD_REQUEST'
        ? `${p.message} (in the ${method} request)`
        : p.message;
  return new ApiError(p.code, message, { fieldPath: p.fieldPath });
}

/** `definition` with every method's request checked at the edge before it is decoded. */
export function edgeService<T extends ServiceDefinition>(definition: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const desc = requestType(method.path);
    // JSON values may nest MAX_JSON_DEPTH levels, deeper than the generated decoders allow (deep-reader.ts).
    const decode = deepDecoder(method.requestDeserialize as (bytes: Buffer) => unknown);
    const label = method.path.slice(1);
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const problem = checkRequest(desc, bytes);
        if (problem) return new RejectedRequest(problemError(label, problem));
        let message: unknown;
        try {
          message = decode(bytes);
        } catch (e) {
          return new RejectedRequest(
            problemError(label, {
              code: 'BATON_E_BAD_REQUEST',
              fieldPath: '',
              message: `could not be decoded as ${desc.typeName}: ${(e as Error).message}`,
            }),
          );
        }
        if (bytes.length > LARGE_REQUEST_BYTES && typeof message === 'object' && message !== null)
          largeSizes.set(message, bytes.length);
        return message;
      },
    };
  }
  return out as T;
}

/**
 * `definition` with each request decoder made total, for services not described by Baton's descriptor
 * set (the A2A gRPC transport, reflection): bytes that do not decode become a RejectedRequest, answered
 * INVALID_ARGUMENT BATON_E_BAD_REQUEST naming the method by edgeInterceptor; grpc-js would answer a
 * throwing decoder with INTERNAL.
 */
export function totalDecoders<T extends ServiceDefinition>(definition: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize as (bytes: Buffer) => unknown;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (e) {
          return new RejectedRequest(
            new BatonError(
              'BATON_E_BAD_REQUEST',
              `the ${method.path.slice(1)} request could not be decoded: ${(e as Error).message}`,
            ),
          );
        }
      },
    };
  }
  return out as T;
}

/** Bytes of large requests being handled; a request that would overrun the budget is refused. */
export class RequestBudget {
  private used = 0;
  constructor(readonly limit = LARGE_REQUEST_BUDGET_BYTES) {}

  take(bytes: number): boolean {
    // One request alone always fits: the message size limit already bounds it.
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  get inUse(): number {
    return this.used;
  }
}

type Listener = Parameters<ServerInterceptingCallInterface['start']>[0];
type Status = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** One call through the edge: rejected requests end it here; a large unary request holds budget. */
class EdgeCall extends ServerInterceptingCall {
  private ended = false;
  private held = 0;

  constructor(
    private readonly inner: ServerInterceptingCallInterface,
    private readonly budget: RequestBudget,
    private readonly streamingRequests: boolean,
  ) {
    super(inner);
  }

  override start(listener: Listener): void {
    this.inner.start({
      onReceiveMetadata: (metadata) => listener.onReceiveMetadata(metadata),
      onReceiveMessage: (message: unknown) => {
        if (this.ended) return;
        const refused = this.admit(message);
        if (!refused) return listener.onReceiveMessage(message);
        this.ended = true;
        this.sendStatus(toServiceError(refused) as Status);
        // The handler of a stream already running learns the call is over (a Work stream's session
        // disconnects); a unary handler has not started and never will.
        listener.onCancel();
      },
      onReceiveHalfClose: () => {
        if (!this.ended) listener.onReceiveHalfClose();
      },
      onCancel: () => {
        this.release();
        if (!this.ended) listener.onCancel();
      },
    });
  }

  override sendStatus(status: Status): void {
    this.release();
    super.sendStatus(status);
  }

  /** The error that refuses `message`, or undefined when the handler may have it. */
  private admit(message: unknown): BatonError | undefined {
    if (message instanceof RejectedRequest) return message.error;
    const size = typeof message === 'object' && message !== null ? largeSizes.get(message) : undefined;
    // A stream's messages are handled as they arrive; only a unary request is held while it is served.
    if (size === undefined || this.streamingRequests) return undefined;
    if (!this.budget.take(size))
      return new BatonError(
        'BATON_E_SERVER_BUSY',
        `the server is handling ${this.budget.inUse} bytes of large requests (its budget is ${this.budget.limit}); retry shortly`,
      );
    this.held = size;
    return undefined;
  }

  private release(): void {
    if (this.held > 0) this.budget.give(this.held);
    this.held = 0;
  }
}

/** The server interceptor that completes edgeService: see the file's opening comment. */
export function edgeInterceptor(budget = new RequestBudget()): ServerInterceptor {
  return (method, call) => new EdgeCall(call, budget, method.requestStream);
}
