// What `baton run` prints when a run ends: a text report if the run produced one, else its output as JSON.
// The same for a run driven here and one followed on a server (`baton run --server`).

import type { Output } from './io.js';

/** How a run ended, from its local state or a server's Run message. */
export interface Outcome {
  readonly runId: string;
  readonly status: string;
  readonly error?: { readonly code: string; readonly message: string; readonly key?: string | null } | null;
  readonly output?: Record<string, unknown> | null;
}

/** Sink outputs that are text, or objects carrying a `report` string, print as text; the rest as JSON. */
export function printOutcome(state: Outcome, o: Output): void {
  if (state.status !== 'completed') {
    const e = state.error;
    o.err(
      `run ${state.runId} ${state.status}${e ? `: ${e.code}  ${e.message}${e.key ? ` (task ${e.key})` : ''}` : ''}`,
    );
    return;
  }
  const output = state.output ?? {};
  const texts = Object.values(output).flatMap((v) => {
    if (typeof v === 'string') return [v];
    if (v && typeof v === 'object' && typeof (v as { report?: unknown }).report === 'string')
      return [(v as { report: string }).report];
    return [];
  });
  if (texts.length > 0) for (const t of texts) o.out(t.trimEnd());
  else o.out(JSON.stringify(output, null, 2));
}
