// runs.watch: a run's journal as an async iterator that survives dropped connections. It remembers
// the cursor of the last event it yielded and, when the stream fails with UNAVAILABLE or ends before
// the run did, reopens WatchRun after that cursor: the server then sends exactly the entries after
// it, so the caller sees no gap and no duplicate.

import { status } from '@grpc/grpc-js';
import { decodeError, UnavailableError, type BatonError } from './errors.js';
import { RunServiceService, WatchRunRequest, type RunEvent } from './gen/baton/v1/run.js';
import { abortError, backoffMs, sleep } from './retry.js';
import { readStream, type Transport } from './transport.js';

/** The journal entry types that end a run: the server ends the stream after one of them. */
export const FINAL_EVENT_TYPES: ReadonlySet<string> = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);

export interface WatchOptions {
  /** Start after this cursor (a RunEvent.cursor seen before); empty or unset starts at the first entry. */
  readonly cursor?: string;
  /** Stops the watch: the iterator then throws the signal's reason (an AbortError by default). */
  readonly signal?: AbortSignal;
  /** Extra request metadata (headers) for every (re)connection. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Yields the run's events in journal order and returns after the event that ends the run. Consecutive
 * failed reconnections are bounded by the client's retry.maxAttempts; an event received resets the count.
 */
export async function* watchRun(
  transport: Transport,
  runId: string,
  options: WatchOptions,
): AsyncGenerator<RunEvent> {
  const { signal } = options;
  let cursor = options.cursor ?? '';
  let failures = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal);
    const request = WatchRunRequest.fromPartial({ runId, afterCursor: cursor });
    const call = transport.serverStream(RunServiceService.watchRun, request, {
      ...(options.metadata && { metadata: options.metadata }),
    });
    let failure: BatonError;
    try {
      for await (const response of readStream(call, signal)) {
        const event = response.event;
        if (!event) continue;
        cursor = event.cursor;
        failures = 0;
        yield event;
        if (FINAL_EVENT_TYPES.has(event.type)) return;
      }
      failure = new UnavailableError({
        code: 'GRPC_UNAVAILABLE',
        message: `the watch of run ${runId} ended before the run did`,
        grpcStatus: status.UNAVAILABLE,
      });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      failure = decodeError(err);
      if (!(failure instanceof UnavailableError)) throw failure;
    }
    failures += 1;
    if (failures >= transport.retry.maxAttempts) throw failure;
    await sleep(backoffMs(transport.retry, failures - 1), signal);
  }
}
