// One grpc-js channel shared by every service, and the two ways the client calls it: a unary call
// (with deadline, AbortSignal and retry on UNAVAILABLE for calls that are safe to repeat) and a
// server stream read as an async iterator.

import {
  Client,
  Metadata,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
} from '@grpc/grpc-js';
import { deepDecoder } from './deep-reader.js';
import { decodeError, UnavailableError } from './errors.js';
import { abortError, backoffMs, sleep, type CompiledRetry } from './retry.js';

/** What the generated service definitions give for one method. */
export interface MethodDef<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

/** Per-call options every client method takes. */
export interface CallOptions {
  /** Cancels the call; the method then rejects with the signal's reason (an AbortError by default). */
  readonly signal?: AbortSignal;
  /** Overrides the client's deadlineMs for this call (the whole call, retries included). */
  readonly deadlineMs?: number;
  /** Extra request metadata (headers). */
  readonly metadata?: Readonly<Record<string, string>>;
}

function metadataOf(options: CallOptions): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  return metadata;
}

export class Transport {
  readonly client: Client;

  constructor(
    address: string,
    credentials: ChannelCredentials,
    channelOptions: ChannelOptions,
    private readonly deadlineMs: number | undefined,
    readonly retry: CompiledRetry,
  ) {
    this.client = new Client(address, credentials, channelOptions);
  }

  /**
   * Calls a unary method. `idempotent` says whether repeating the call is safe: only then is an
   * UNAVAILABLE failure retried, with backoff, while the deadline allows.
   */
  async unary<Req, Res>(def: MethodDef<Req, Res>, request: Req, options: CallOptions, idempotent: boolean) {
    const ms = options.deadlineMs ?? this.deadlineMs;
    const deadline = ms === undefined ? undefined : Date.now() + ms;
    const attempts = idempotent ? this.retry.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unaryOnce(def, request, options, deadline);
      } catch (err) {
        if (options.signal?.aborted) throw abortError(options.signal);
        const error = decodeError(err);
        if (!(error instanceof UnavailableError) || attempt >= attempts) throw error;
        const wait = backoffMs(this.retry, attempt - 1);
        if (deadline !== undefined && Date.now() + wait >= deadline) throw error;
        await sleep(wait, options.signal);
      }
    }
  }

  private unaryOnce<Req, Res>(
    def: MethodDef<Req, Res>,
    request: Req,
    options: CallOptions,
    deadline: number | undefined,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => call.cancel();
      const call = this.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        deepDecoder(def.responseDeserialize),
        request,
        metadataOf(options),
        deadline === undefined ? {} : { deadline },
        (err, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(response!);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Opens a server stream; read it with `readStream`. No deadline unless the call asks for one. */
  serverStream<Req, Res>(
    def: MethodDef<Req, Res>,
    request: Req,
    options: CallOptions,
  ): ClientReadableStream<Res> {
    const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    return this.client.makeServerStreamRequest(
      def.path,
      def.requestSerialize,
      deepDecoder(def.responseDeserialize),
      request,
      metadataOf(options),
      callOptions,
    );
  }

  /** Opens a bidirectional stream, as is: the caller owns it. */
  bidiStream<Req, Res>(def: MethodDef<Req, Res>, options: CallOptions): ClientDuplexStream<Req, Res> {
    const call = this.client.makeBidiStreamRequest(
      def.path,
      def.requestSerialize,
      deepDecoder(def.responseDeserialize),
      metadataOf(options),
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
    );
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    return call;
  }

  close(): void {
    this.client.close();
  }
}

/** Messages buffered before the stream is paused, so a slow consumer holds back the server. */
const HIGH_WATER = 256;

/**
 * Reads a server stream as an async iterator: yields each message, returns on a clean end, throws
 * the (undecoded) error the call failed with. Leaving the loop early cancels the call.
 */
export async function* readStream<T>(call: ClientReadableStream<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const onAbort = () => call.cancel();
  call.on('data', (message: T) => {
    queue.push(message);
    if (!paused && queue.length >= HIGH_WATER) {
      paused = true;
      call.pause();
    }
    wake?.();
  });
  call.on('end', () => {
    ended = true;
    wake?.();
  });
  // Stays attached after the loop: the cancel in `finally` emits an error nobody else listens for.
  call.on('error', (error: unknown) => {
    failure ??= { error };
    wake?.();
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      // An abort stops delivery at once, even of messages already buffered.
      if (signal?.aborted) throw abortError(signal);
      const next = queue.shift();
      if (next !== undefined) {
        if (paused && queue.length <= HIGH_WATER / 2) {
          paused = false;
          call.resume();
        }
        yield next;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!ended && !failure) call.cancel();
  }
}
