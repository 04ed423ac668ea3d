// WatchRun: streams a run's journal from a cursor, then each entry as it commits, until the run's final
// entry or the client cancels. Every batch is read from the store after the last seq sent, so a
// reconnect with the last cursor misses nothing and repeats nothing; the feed (or a slow poll, for runs
// another process drives) only says when to read.
// Backpressure: when call.write() says the transport's buffer is full, nothing more is read or written
// until 'drain', so a slow subscriber holds at most one batch in memory. One that stays full for
// drainTimeoutMs (default 30 s) has its stream ended with RESOURCE_EXHAUSTED (BATON_E_WATCH_TOO_SLOW);
// it resumes with the cursor of the last event it received and misses nothing.

import type { ServerWritableStream } from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
import { RunNotFoundError, type Store } from '../store/store.js';
import type { WatchRunRequest, WatchRunResponse } from './gen/baton/v1/run.js';
import { toServiceError } from './errors.js';
import type { RunFeed } from './run-feed.js';
import { FINAL_ENTRY_TYPES, recordToEvent, seqOfCursor } from './run-wire.js';

export interface WatchDeps {
  readonly store: Store;
  readonly namespace: string;
  readonly feed: RunFeed;
  /** How long a subscriber may leave its buffer full before its stream is ended (default 30 s). */
  readonly drainTimeoutMs?: number;
}

const DRAIN_TIMEOUT_MS = 30_000;

/** Resolves true on 'drain', false when the client goes away or `ms` pass first. */
function drained(
  call: ServerWritableStream<WatchRunRequest, WatchRunResponse>,
  ms: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      call.off('drain', onDrain);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onGone = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    call.on('drain', onDrain);
    call.on('cancelled', onGone);
    call.on('close', onGone);
  });
}

/** Records read per store query: a long backlog goes out in batches rather than one huge read. */
const BATCH = 500;

/**
 * The longest a watcher waits without a read: the feed only hears runs this server drives, and a run
 * in a shared data directory may be driven by another process (e.g. after a takeover).
 */
const POLL_MS = 1000;

/** Resolves when `arm`'s resolver is called or POLL_MS pass, whichever comes first; leaves no timer. */
async function woken(arm: (resolve: () => void) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    arm(resolve);
    timer = setTimeout(resolve, POLL_MS);
  });
  clearTimeout(timer);
}

export function watchRun(deps: WatchDeps) {
  return (call: ServerWritableStream<WatchRunRequest, WatchRunResponse>): void => {
    stream(deps, call).then(
      () => call.end(),
      (err: unknown) => call.emit('error', toServiceError(err)),
    );
  };
}

async function stream(
  { store, namespace, feed, drainTimeoutMs = DRAIN_TIMEOUT_MS }: WatchDeps,
  call: ServerWritableStream<WatchRunRequest, WatchRunResponse>,
): Promise<void> {
  const { runId } = call.request;
  let last = seqOfCursor(call.request.afterCursor, 'after_cursor');
  if (!(await store.getRun(namespace, runId))) throw new RunNotFoundError(namespace, runId);
  // Set by the feed (and by cancellation); subscribed before the first read, so no commit goes unseen.
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = feed.subscribe(runId, poke);
  call.on('cancelled', poke);
  try {
    while (!call.cancelled) {
      if (!dirty) await woken((resolve) => (wake = resolve));
      wake = undefined;
      dirty = false;
      for (;;) {
        const batch = await store.read(namespace, runId, { afterSeq: last, limit: BATCH });
        for (const record of batch) {
          if (call.cancelled) return;
          const room = call.write({ event: recordToEvent(record) });
          last = record.seq;
          if (FINAL_ENTRY_TYPES.has(record.type)) return;
          if (!room && !(await drained(call, drainTimeoutMs))) {
            if (call.cancelled) return;
            throw new BatonError(
              'BATON_E_WATCH_TOO_SLOW',
              `the client read too slowly (buffer full for ${drainTimeoutMs} ms); resume with after_cursor set to the last cursor received`,
            );
          }
        }
        if (batch.length < BATCH) break;
      }
    }
  } finally {
    unsubscribe();
    call.off('cancelled', poke);
  }
}
