// WatchRun: streams a run's journal from a cursor, then each entry as it commits, until the run's final
// entry or the client cancels. Every batch is read from the store after the last seq sent, so a
// reconnect with the last cursor misses nothing and repeats nothing; the engine's feed, the store's
// watch() (commits of runs another instance drives, where the adapter sees them) or a slow poll (the
// backstop) only say when to read.
// Backpressure: when call.write() says the transport's buffer is full, nothing more is read or written
// until 'drain', so a slow subscriber holds at most one batch in memory. One that stays full for
// drainTimeoutMs (default 30 s) has its stream ended with RESOURCE_EXHAUSTED (BATON_E_WATCH_TOO_SLOW);
// it resumes with the cursor of the last event it received and misses nothing.
// Ending: grpc-js (1.14.7) may run the handler of a call the client cancelled as it started with
// `call.cancelled === false` and no 'cancelled' event ever, its HTTP/2 stream still open. Such a watch
// cannot be told from an idle client, so every watch is listed by its server's feed and
// endWatches(feed) (called by shutdown() in server.ts) ends them all: shutdown is never held by one.
// A watch also stops on 'close' or 'error' and when the call is destroyed or ended, not only on 'cancelled'.

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

type WatchCall = ServerWritableStream<WatchRunRequest, WatchRunResponse>;

/** The events by which a call says its client is gone (or it can no longer be written). */
const GONE_EVENTS = ['cancelled', 'close', 'error'] as const;

/** True once nothing more can reach the client on this call. */
function gone(call: WatchCall): boolean {
  return call.cancelled || call.destroyed || call.writableEnded;
}

/** The live watches of each server, by its feed: what endWatches ends. */
const liveWatches = new WeakMap<RunFeed, Set<AbortController>>();
/** Feeds whose server is shutting down: a watch that arrives now ends at once. */
const shutDown = new WeakSet<RunFeed>();
/** Each feed also hears the store's watch() (once per feed): commits of runs another instance drives. */
const following = new WeakMap<RunFeed, () => void>();

function follow({ feed, store, namespace }: WatchDeps): void {
  if (following.has(feed)) return;
  const unwatch = store.watch((c) => {
    if (c.kind === 'journal' && c.ns === namespace) feed.publish(c);
  });
  following.set(feed, unwatch);
}

const shutdownError = () =>
  new BatonError(
    'BATON_E_WATCH_SHUTDOWN',
    'the server is shutting down; watch again with after_cursor set to the last cursor received',
  );

/**
 * Ends every watch fed by `feed` with UNAVAILABLE (BATON_E_WATCH_SHUTDOWN): clients reconnect with
 * their last cursor. Called when the server shuts down.
 */
export function endWatches(feed: RunFeed): void {
  shutDown.add(feed);
  following.get(feed)?.();
  following.delete(feed);
  for (const watch of liveWatches.get(feed) ?? []) watch.abort(shutdownError());
}

/** How many watches of `feed` are running (tests check that ended watches leave none). */
export function watchCount(feed: RunFeed): number {
  return liveWatches.get(feed)?.size ?? 0;
}

/** Resolves true on 'drain', false when the client goes away, the watch is ended or `ms` pass first. */
function drained(call: WatchCall, ms: number, ended: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      call.off('drain', onDrain);
      for (const event of GONE_EVENTS) call.off(event, onGone);
      ended.removeEventListener('abort', onGone);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onGone = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    call.on('drain', onDrain);
    for (const event of GONE_EVENTS) call.on(event, onGone);
    ended.addEventListener('abort', onGone);
  });
}

/** Records read per store query: a long backlog goes out in batches rather than one huge read. */
const BATCH = 500;

/**
 * The longest a watcher waits without a read: the feed only hears runs this server drives, and the
 * store's watch() may not see another process's commits (SQLite sees only its own handle's).
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
  follow(deps);
  return (call: WatchCall): void => {
    const watches = liveWatches.get(deps.feed) ?? new Set<AbortController>();
    liveWatches.set(deps.feed, watches);
    const ended = new AbortController();
    if (shutDown.has(deps.feed)) ended.abort(shutdownError());
    watches.add(ended);
    stream(deps, call, ended.signal)
      .then(
        () => {
          if (!gone(call)) call.end();
        },
        (err: unknown) => {
          if (!gone(call)) call.emit('error', toServiceError(err));
        },
      )
      .finally(() => watches.delete(ended));
  };
}

async function stream(
  { store, namespace, feed, drainTimeoutMs = DRAIN_TIMEOUT_MS }: WatchDeps,
  call: WatchCall,
  ended: AbortSignal,
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
  for (const event of GONE_EVENTS) call.on(event, poke);
  ended.addEventListener('abort', poke);
  const over = () => {
    if (ended.aborted) throw ended.reason;
    return gone(call);
  };
  try {
    while (!over()) {
      if (!dirty) await woken((resolve) => (wake = resolve));
      wake = undefined;
      dirty = false;
      for (;;) {
        const batch = await store.read(namespace, runId, { afterSeq: last, limit: BATCH });
        if (over()) return;
        for (const record of batch) {
          if (over()) return;
          const room = call.write({ event: recordToEvent(record) });
          last = record.seq;
          if (FINAL_ENTRY_TYPES.has(record.type)) return;
          if (!room && !(await drained(call, drainTimeoutMs, ended))) {
            if (over()) return;
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
    for (const event of GONE_EVENTS) call.off(event, poke);
    ended.removeEventListener('abort', poke);
  }
}
