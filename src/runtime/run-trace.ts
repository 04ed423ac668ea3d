// A run's span (`invoke_workflow {workflow}`, GenAI semantic conventions) in the process driving it. The
// first one's traceparent is journaled in RunStarted.options, so a process that resumes or takes the
// run over continues the same trace: its span is a child of the first. Replay emits nothing: spans start
// only for what a process does, never for what it folds from the journal. Also the spans of what a run
// waits for (a retry's backoff, a `wait`), under the run's span.

import type { RunState } from '../core/index.js';
import { contextOf, endSpan, SpanKind, startSpan, tracingOn, type Spanned } from '../telemetry/tracing.js';

function attributes(workflow: string, namespace: string, runId: string) {
  return {
    'gen_ai.operation.name': 'invoke_workflow',
    'gen_ai.workflow.name': workflow,
    'gen_ai.conversation.id': runId,
    'baton.run.id': runId,
    'baton.namespace': namespace,
  };
}

/** The span of a run starting here: under `traceparent` when a caller gave one, else the active context. */
export function startRunTrace(
  workflow: string,
  namespace: string,
  runId: string,
  traceparent: string | undefined,
): Spanned | undefined {
  if (!tracingOn()) return undefined;
  const parent = traceparent === undefined ? undefined : contextOf(traceparent);
  return startSpan(
    `invoke_workflow ${workflow}`,
    SpanKind.INTERNAL,
    attributes(workflow, namespace, runId),
    parent,
  );
}

/** The span of a run this process resumes or took over, under the run's journaled trace context. */
export function resumedRunTrace(
  state: RunState,
  namespace: string,
  runId: string,
  epoch: number,
): Spanned | undefined {
  if (!tracingOn()) return undefined;
  const workflow = state.workflow?.name ?? '';
  const traceparent = state.options.traceparent;
  return startSpan(
    `invoke_workflow ${workflow}`,
    SpanKind.INTERNAL,
    { ...attributes(workflow, namespace, runId), 'baton.run.resumed': true, 'baton.run.epoch': epoch },
    contextOf(traceparent),
  );
}

/** Ends the run's span here: with the run's status once it ended, or as handed on (drain, lost lease). */
export function endRunTrace(span: Spanned | undefined, state: RunState, error: unknown): void {
  if (span === undefined) return;
  span.span.setAttribute('baton.run.status', state.status);
  const ended = state.status === 'completed' || state.status === 'failed' || state.status === 'cancelled';
  if (!ended) span.span.setAttribute('baton.run.handed_off', true);
  const failure =
    error ?? (state.status === 'failed' ? (state.error ?? { message: 'the run failed' }) : undefined);
  endSpan(span, failure);
}

/** A span for a retry's backoff or a task's `wait` (other timers are deadlines that seldom fire). */
export function timerSpan(trace: Spanned | undefined, runId: string, timerId: string): Spanned | undefined {
  if (trace === undefined) return undefined;
  const kind = timerId.slice(0, timerId.indexOf(':'));
  if (kind !== 'retry' && kind !== 'wait') return undefined;
  const name = kind === 'retry' ? 'baton.retry_backoff' : 'baton.wait';
  return startSpan(
    `${name} ${timerId.slice(kind.length + 1)}`,
    SpanKind.INTERNAL,
    {
      'baton.run.id': runId,
      'baton.timer.id': timerId,
    },
    trace.ctx,
  );
}
