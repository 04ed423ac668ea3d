// Follows a run's journal over WatchRun (resuming from the last cursor after a dropped stream) and keeps
// it folded: `live` is the state after the last entry, updated as entries arrive in small batches.

import { useEffect, useRef, useState } from 'react';
import { initialState, apply, type JournalEntry } from '../../../src/core/index.js';
import { stream } from '../api.ts';
import type { RunEvent } from '../types.ts';
import { eventToEntry, type RunState } from './journal.ts';

export interface Journal {
  readonly events: readonly RunEvent[];
  readonly entries: readonly JournalEntry[];
  readonly live: RunState;
  /** Bumped on every batch: the arrays and `live` are updated in place. */
  readonly version: number;
  readonly ended: boolean;
  readonly error: string | null;
}

const FINAL = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);

export function useJournal(runId: string): Journal {
  const events = useRef<RunEvent[]>([]);
  const entries = useRef<JournalEntry[]>([]);
  const live = useRef<RunState>(initialState());
  const [version, setVersion] = useState(0);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    events.current = [];
    entries.current = [];
    live.current = initialState();
    setEnded(false);
    setError(null);
    const abort = new AbortController();
    let pending: RunEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      for (const e of pending) {
        const entry = eventToEntry(e);
        apply(live.current, entry);
        events.current.push(e);
        entries.current.push(entry);
      }
      pending = [];
      setVersion((v) => v + 1);
    };
    const follow = async () => {
      let done = false;
      while (!done && !abort.signal.aborted) {
        const last = events.current.at(-1)?.cursor ?? pending.at(-1)?.cursor ?? '';
        try {
          await stream<{ event: RunEvent }>(
            'RunService',
            'WatchRun',
            { runId, afterCursor: last },
            ({ event }) => {
              pending.push(event);
              if (FINAL.has(event.type)) done = true;
              timer ??= setTimeout(flush, 40);
            },
            abort.signal,
          );
          setError(null);
        } catch (e) {
          if (abort.signal.aborted) return;
          setError((e as Error).message);
          if ((e as Error).message.startsWith('BATON_E_RUN_NOT_FOUND')) return;
        }
        if (!done) await new Promise((r) => setTimeout(r, 1000));
      }
      if (done) {
        clearTimeout(timer);
        flush();
        setEnded(true);
      }
    };
    void follow();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [runId]);

  return {
    events: events.current,
    entries: entries.current,
    live: live.current,
    version,
    ended,
    error,
  };
}
