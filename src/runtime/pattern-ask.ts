// A run's question to its pattern plugin (an AskPattern command), asked off the turn: plugin calls are
// asynchronous and sandboxed. The answer is checked and submitted as a PatternDecided input entry; a
// plugin that fails answers a `fail` verdict with its typed code. A run's questions are asked one at a
// time (PatternQuestions), each call timed and traced.

import {
  awaitedVerdict,
  checkVerdict,
  type AskPattern,
  type InputFields,
  type PatternBinding,
  type PatternDecision,
  type RunState,
} from '../core/index.js';
import { patternStep } from '../telemetry/metrics.js';
import { inSpan, SpanKind, type Spanned } from '../telemetry/tracing.js';

/** Calls the run's pattern plugin (pattern_step). */
export type AskPatternFn = (
  binding: PatternBinding,
  ask: AskPattern,
  seed: number,
) => Promise<{ state: unknown; decision: PatternDecision }>;

/** The part of a run actor a question needs. */
export interface AskingRun {
  readonly state: RunState;
  readonly isStopped: boolean;
  submit(fields: InputFields, after?: (changed: boolean, seq: number) => void): void;
}

/**
 * Asks the run's pattern plugin for its verdict from the pattern state as it is now, and resolves once
 * the verdict is applied. A question whose task no longer awaits a verdict in that round (an earlier
 * verdict reran or ended it) is dropped.
 */
export async function askPattern(
  run: AskingRun,
  ask: AskPatternFn | undefined,
  asked: AskPattern,
): Promise<void> {
  const s = run.state;
  if (run.isStopped || s.ctx === null || awaitedVerdict(s, asked.key) === null) return;
  const c: AskPattern = {
    ...asked,
    state: s.pattern?.state ?? asked.state,
    step: s.metrics.patternSteps ?? asked.step,
  };
  const binding = s.options.pattern;
  const verdict =
    binding !== undefined && ask !== undefined
      ? await ask(binding, c, s.seed).catch((e: unknown) =>
          failed(c, 'BATON_E_INTERNAL', `asking ${c.pattern} failed: ${String(e)}`),
        )
      : failed(c, 'BATON_E_PATTERN_UNKNOWN', `no plugin host to ask ${c.pattern}`);
  if (run.isStopped) return;
  const decision = checkVerdict(run.state.ctx!, c.key, verdict.decision, c.pattern);
  await new Promise<void>((applied) =>
    run.submit(
      { type: 'PatternDecided', key: c.key, pattern: c.pattern, state: verdict.state, decision },
      () => applied(),
    ),
  );
}

function failed(c: AskPattern, code: string, message: string): { state: unknown; decision: PatternDecision } {
  return { state: c.state, decision: { op: 'fail', error: { code, message: `${c.key}: ${message}` } } };
}

/** A run's pattern plugin call, timed (metric) and traced (`baton.pattern_step`, under the run's span). */
export function tracedPatternStep(
  run: { readonly runId: string; readonly trace: Spanned | undefined },
  ask: AskPatternFn | undefined,
): AskPatternFn | undefined {
  if (ask === undefined) return undefined;
  return async (binding, c, seed) => {
    const t0 = performance.now();
    try {
      return await inSpan(
        `baton.pattern_step ${binding.name}`,
        SpanKind.INTERNAL,
        {
          'baton.run.id': run.runId,
          'baton.pattern': binding.name,
          'baton.task.key': c.key,
          'baton.pattern.step': c.step,
        },
        run.trace?.ctx,
        () => ask(binding, c, seed),
      );
    } finally {
      patternStep(binding.name, (performance.now() - t0) / 1000);
    }
  };
}

/**
 * The run's pattern questions, one at a time: each is asked with the pattern state the previous
 * verdict left (journaled and applied), so verdicts on outputs that arrived together never start
 * from the same state and overwrite each other.
 */
export class PatternQuestions {
  private asks: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: AskingRun & { readonly runId: string; readonly trace: Spanned | undefined },
    private readonly host: { readonly askPattern?: AskPatternFn },
  ) {}

  ask(c: AskPattern): void {
    this.asks = this.asks.then(() =>
      askPattern(this.run, tracedPatternStep(this.run, this.host.askPattern), c),
    );
  }
}
