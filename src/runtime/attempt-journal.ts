// Where a run's attempts write back to its journal (agents/a2a-parts.ts AttemptJournal): a remote
// agent's task id, its questions (input required), the answers journaled for them (handed to the
// attempt's adapter once durable), and tool calls under the run's hooks.

import { parseKey, pendingAnswer } from '../core/index.js';
import type { AttemptJournal } from '../agents/a2a-parts.js';
import type { ProvidedInput, ToolKind } from '../agents/adapter.js';
import { fault } from '../telemetry/faults.js';
import type { CallingRun } from './run-calls.js';
import type { RunHookCalls } from './run-hook-calls.js';

export class RunAttemptJournal implements AttemptJournal {
  /** Who listens for answers to an attempt's question, by `key|attempt` (the attempt's adapter). */
  private readonly answers = new Map<string, Set<(answer: ProvidedInput) => void>>();

  constructor(
    private readonly run: CallingRun,
    private readonly hooks: RunHookCalls,
  ) {}

  remoteTaskOf(key: string, attempt: number): string | undefined {
    const p = parseKey(key);
    const u = p === null ? undefined : this.run.state.units.get(p.unit);
    if (u === undefined || u.iteration !== p!.iteration || u.attempts !== attempt) return undefined;
    return u.status === 'dispatched' ? u.remoteTaskId : undefined;
  }

  remoteTaskAttached(key: string, attempt: number, remoteTaskId: string): void {
    this.run.submit({ type: 'TaskAttemptAttached', key, attempt, remoteTaskId });
  }

  inputRequired(key: string, attempt: number, request: { question: string; data?: unknown }): void {
    const { question, data } = request;
    // A re-attached task asks again what the journal already shows: nothing to journal.
    const p = parseKey(key);
    if (p !== null && this.run.state.units.get(p.unit)?.inputRequired?.question === question) return;
    this.run.submit({
      type: 'TaskInputRequired',
      key,
      attempt,
      question,
      ...(data === undefined ? {} : { data }),
    });
  }

  pendingInput(key: string, attempt: number): ProvidedInput | undefined {
    const a = pendingAnswer(this.run.state, key, attempt);
    return a === undefined ? undefined : { input: a.input, seq: a.seq };
  }

  onInput(key: string, attempt: number, listener: (answer: ProvidedInput) => void): () => void {
    const slot = `${key}|${attempt}`;
    let set = this.answers.get(slot);
    if (set === undefined) this.answers.set(slot, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.answers.get(slot) === set) this.answers.delete(slot);
    };
  }

  /** A TaskInputProvided is durable: the answer goes to the attempt's adapter (if it listens). */
  handOver(e: { key: string; attempt: number; input: unknown; seq: number }): void {
    const listeners = this.answers.get(`${e.key}|${e.attempt}`);
    if (listeners === undefined) return;
    for (const l of [...listeners]) {
      try {
        l({ input: e.input, seq: e.seq });
      } catch (err) {
        fault('run-actor', `handing the answer for ${e.key} of run ${this.run.runId} to its agent`, err);
      }
    }
  }

  toolCall<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    return this.hooks.toolCall(key, attempt, call, kind, args, fn);
  }
}
