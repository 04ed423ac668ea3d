// When an A2A caller goes away. The SDK's transports neither tell a handler that its client disconnected
// nor stop iterating a stream whose client is gone, so a stream of a run that never ends would be
// followed forever. Each call gets an id in a header (HTTP) or metadata entry (gRPC) that only Baton sets,
// and the abort signal filed under it fires when the connection closes; handlers find it by the id in
// the headers the SDK hands them (ServerCallContext.state 'headers').

import { randomUUID } from 'node:crypto';
import type { ServerCallContext } from '@a2a-js/sdk/server';

/** The header carrying a call's id (set by Baton on each request; a client's own value is replaced). */
export const CALL_HEADER = 'x-baton-a2a-call';

const calls = new Map<string, AbortController>();

/** Files a new call; returns its id and `end`, to call when the connection closes (idempotent). */
export function openCall(): { id: string; end: () => void } {
  const id = randomUUID();
  const ac = new AbortController();
  calls.set(id, ac);
  return {
    id,
    end: () => {
      calls.delete(id);
      ac.abort();
    },
  };
}

const NEVER = new AbortController().signal;

/** The signal of the call `context` belongs to (one that never fires when the call carries no id). */
export function callSignal(context: ServerCallContext): AbortSignal {
  const headers = context.state.get('headers') as Record<string, unknown> | undefined;
  const id = headers?.[CALL_HEADER];
  return (typeof id === 'string' && calls.get(id)?.signal) || NEVER;
}

/** How many calls are open (tests check that closed connections leave none). */
export const openCalls = (): number => calls.size;
