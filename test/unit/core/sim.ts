// A tiny stand-in for the runtime, for tests: it journals entries, applies and decides them, and
// performs commands in order (depth first), playing the agents by a script.

import type {
  AskPattern,
  CancelTask,
  Command,
  Compensate,
  Dispatch,
  EntryDraft,
  InputFields,
  JournalEntry,
  Publish,
  RunHooks,
  RunOptions,
  TaskError,
} from '../../../src/core/index.js';
import { apply, decide, fold, initialState, resumeCommands, type RunState } from '../../../src/core/index.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';

/** How a scripted agent answers one dispatch. */
export type Answer = { output: unknown } | { error: Partial<TaskError> & { code: string } } | 'hang';

/** Builds a validated workflow from a compact object (agents default to one agent `a`). */
export function workflow(tasks: unknown[], extra: Record<string, unknown> = {}): WorkflowSpec {
  return Workflow.parse({
    name: 'wf',
    version: 1,
    agents: { a: { type: 't' }, b: { type: 't' } },
    tasks,
    ...extra,
  });
}

export class Sim {
  readonly journal: JournalEntry[] = [];
  state: RunState = initialState();
  now = 1_000_000;
  /** Dispatches an agent is working on, by attempt key. */
  readonly calls = new Map<string, Dispatch>();
  /** Every dispatch whose TaskDispatched was accepted, in order. */
  readonly dispatches: Dispatch[] = [];
  readonly timers = new Map<string, number>();
  readonly published: Publish[] = [];
  readonly compensations: Compensate[] = [];
  readonly cancels: CancelTask[] = [];
  /** Questions for a pattern plugin (the runtime's job: tests answer them with PatternDecided). */
  readonly asks: AskPattern[] = [];
  /** Questions for the run's blocking hooks (the runtime's job: tests answer them with HookDecided). */
  readonly hookAsks: RunHooks[] = [];
  /** Every command decide returned, in the order performed. */
  readonly commands: Command[] = [];
  /** The most calls in flight at once, by task id. */
  readonly peak = new Map<string, number>();

  /** A runtime taking over after a crash: the journal so far, folded, then resumeCommands performed. */
  static recover(journal: readonly JournalEntry[], now: number): Sim {
    const sim = new Sim();
    sim.journal.push(...journal);
    sim.state = fold(journal);
    sim.now = now;
    sim.perform(resumeCommands(sim.state));
    return sim;
  }

  start(wf: WorkflowSpec, input: unknown = {}, options: RunOptions = {}, seed = 7): this {
    this.input({ type: 'RunStarted', runId: 'r1', namespace: 'default', workflow: wf, input, options, seed });
    return this;
  }

  input(fields: InputFields): JournalEntry {
    return this.record(fields);
  }

  private record(fields: InputFields | EntryDraft): JournalEntry {
    const entry = { ...fields, seq: this.journal.length + 1, at: this.now, v: 1 } as JournalEntry;
    this.journal.push(entry);
    apply(this.state, entry);
    this.perform(decide(this.state, entry));
    return entry;
  }

  perform(commands: readonly Command[]): void {
    for (const c of commands) {
      this.commands.push(c);
      switch (c.type) {
        case 'Append':
          this.record(c.entry);
          break;
        case 'Dispatch': {
          if (c.redispatch) {
            this.calls.set(c.key, c);
            break;
          }
          const { key, task, attempt, agent, idem } = c;
          this.record({ type: 'TaskDispatched', key, task, attempt, agent, instance: agent, idem });
          // The runtime calls the agent only when apply accepted the dispatch.
          if (this.state.lastChanged) {
            this.calls.set(key, c);
            this.dispatches.push(c);
            const running = [...this.calls.values()].filter((d) => d.task === task).length;
            this.peak.set(task, Math.max(this.peak.get(task) ?? 0, running));
          }
          break;
        }
        case 'ArmTimer':
          this.timers.set(c.timerId, c.fireAt);
          break;
        case 'Publish':
          this.published.push(c);
          break;
        case 'Compensate':
          this.compensations.push(c);
          break;
        case 'CancelTask':
          this.cancels.push(c);
          this.calls.delete(c.key);
          break;
        case 'AskPattern':
          this.asks.push(c);
          break;
        case 'RunHooks':
          this.hookAsks.push(c);
          break;
      }
    }
  }

  complete(key: string, output: unknown): JournalEntry {
    const d = this.take(key);
    return this.input({ type: 'TaskCompleted', key, attempt: d.attempt, output });
  }

  fail(key: string, error: Partial<TaskError> & { code: string }): JournalEntry {
    const d = this.take(key);
    return this.input({
      type: 'TaskFailed',
      key,
      attempt: d.attempt,
      error: { message: error.code, retryable: true, kind: 'error', ...error },
    });
  }

  private take(key: string): Dispatch {
    const d = this.calls.get(key);
    if (d === undefined) throw new Error(`no call in flight for ${key}`);
    this.calls.delete(key);
    return d;
  }

  fire(timerId: string): JournalEntry {
    const at = this.timers.get(timerId);
    if (at === undefined) throw new Error(`no timer ${timerId}`);
    this.timers.delete(timerId);
    this.now = Math.max(this.now, at);
    return this.input({ type: 'TimerFired', timerId });
  }

  event(eventId: string, channel: string, name?: string, data: unknown = {}): JournalEntry {
    return this.input({
      type: 'EventReceived',
      eventId,
      channel,
      ...(name === undefined ? {} : { name }),
      data,
      source: 'test',
    });
  }

  get ended(): boolean {
    return ['completed', 'failed', 'cancelled'].includes(this.state.status);
  }

  /**
   * Plays the agents until the run ends or nothing more can happen: answers calls (first in flight
   * first, unless `pick` chooses), answers compensations by `compensate`, then fires the earliest timer.
   */
  drive(
    answer: (d: Dispatch) => Answer,
    opts: { pick?: (live: Dispatch[]) => Dispatch; compensate?: (c: Compensate) => boolean } = {},
  ): this {
    let answered = 0;
    // Each dispatch is answered once, whatever the script's side effects (by idem: unique per call).
    const answers = new Map<string, Answer>();
    const answerOf = (d: Dispatch): Answer => {
      if (!answers.has(d.idem)) answers.set(d.idem, answer(d));
      return answers.get(d.idem)!;
    };
    for (let guard = 0; guard < 1_000_000 && !this.ended; guard++) {
      const live = [...this.calls.values()].filter((d) => answerOf(d) !== 'hang');
      if (live.length > 0) {
        const d = opts.pick?.(live) ?? live[0]!;
        const a = answerOf(d) as Exclude<Answer, 'hang'>;
        if ('output' in a) this.complete(d.key, a.output);
        else this.fail(d.key, a.error);
        continue;
      }
      const comp = this.compensations[answered];
      if (comp !== undefined && this.state.saga?.keys[this.state.saga.next] === comp.key) {
        answered++;
        const ok = opts.compensate?.(comp) ?? true;
        this.input({
          type: 'CompensationDone',
          key: comp.key,
          ok,
          ...(ok ? {} : { error: { code: 'X', message: 'no', retryable: false, kind: 'error' as const } }),
        });
        continue;
      }
      const next = [...this.timers].sort((x, y) => x[1] - y[1])[0];
      if (next === undefined) return this;
      this.fire(next[0]);
    }
    return this;
  }

  /** The commands a runtime taking over this run now would issue. */
  resume(): Command[] {
    return resumeCommands(this.state);
  }

  /** Ids of the entries of `type`, for terse assertions. */
  entries<T extends JournalEntry['type']>(type: T): Array<Extract<JournalEntry, { type: T }>> {
    return this.journal.filter((e): e is Extract<JournalEntry, { type: T }> => e.type === type);
  }
}

/** Every agent answers with `{ by: key }`. */
export const echo = (d: Dispatch): Answer => ({ output: { by: d.key } });
