// A run's journal as readable lines: `baton events` prints every entry; `baton run` on a non-terminal
// prints the notable ones as they happen. One function says what each entry means to a person.

import type { Modification, PatternDecision } from '../core/index.js';
import type { JournalRecord } from '../store/store.js';

type Data = Record<string, unknown>;

const err = (d: Data): string => {
  const e = d.error as { code?: string; message?: string } | null | undefined;
  return e ? `${e.code ?? ''}: ${e.message ?? ''}` : '';
};

/** A pattern's verdict in words: `handoff to billing`, `rerun research, analyze (coverage low)`. */
function decision(v: unknown): string {
  const d = v as PatternDecision;
  const why = d.reason ? ` (${d.reason})` : '';
  const events = d.events?.length ? `, ${d.events.length} event(s)` : '';
  switch (d.op) {
    case 'rerun':
      return `rerun${d.also.length > 0 ? ` ${d.also.join(', ')}` : ''}${why}${events}`;
    case 'delegate':
      return `delegate ${d.subtasks.length} subtask(s)${why}`;
    case 'handoff':
      return `handoff to ${[d.to, ...(d.also ?? [])].join(', ')}${why}${events}`;
    case 'fail':
      return `fail: ${d.error.code} ${d.error.message}`;
    default:
      return `${d.op}${why}${events}`;
  }
}

/** One change of a RunModified in words: `+task z`, `-task y`, `y -> agent b`, `pattern_config {...}`. */
function change(m: Modification): string {
  switch (m.op) {
    case 'add_task':
      return `+task ${m.task.id}${m.task.depends_on.length > 0 ? ` (after ${m.task.depends_on.join(', ')})` : ''}`;
    case 'remove_task':
      return `-task ${m.task}`;
    case 'replace_task':
      return `~task ${m.task.id}`;
    case 'swap_agent':
      return `${m.task} -> agent ${m.agent}`;
    case 'pattern_config':
      return `pattern_config ${JSON.stringify(m.config)}`;
  }
}

/** What an entry says, in a few words; `notable` entries are worth a line in a live progress log. */
export function describeEntry(r: Pick<JournalRecord, 'type' | 'data'>): { text: string; notable: boolean } {
  const d = r.data as Data;
  const s = (k: string) => String(d[k]);
  switch (r.type) {
    case 'RunStarted':
      return {
        text: `run started: ${(d.workflow as Data).name as string}@${(d.workflow as Data).version as string}`,
        notable: true,
      };
    case 'TaskDispatched':
      return { text: `${s('key')} dispatched to ${s('instance')} (attempt ${s('attempt')})`, notable: false };
    case 'TaskCompleted':
      return { text: `${s('key')} completed (attempt ${s('attempt')})`, notable: true };
    case 'TaskFailed':
      return { text: `${s('key')} failed (attempt ${s('attempt')}): ${err(d)}`, notable: true };
    case 'RetryScheduled':
      return {
        text: `${s('key')} retry ${s('attempt')} at ${new Date(Number(d.fireAt)).toISOString()}`,
        notable: true,
      };
    case 'TaskSkipped':
      return { text: `${s('key')} skipped (${s('reason')})`, notable: true };
    case 'FanOutExpanded':
      return { text: `${s('task')} fans out to ${s('count')} instances`, notable: true };
    case 'RepeatDecided':
      return {
        text: `${s('key')} iteration ${s('iteration')}: ${d.again ? 'again' : 'done'}`,
        notable: true,
      };
    case 'TimerFired':
      return { text: `timer ${s('timerId')} fired`, notable: false };
    case 'EventReceived':
      return {
        text: `event ${s('channel')}${d.name ? `:${s('name')}` : ''} from ${s('source')}${d.to ? ` to ${s('to')}` : ''}`,
        notable: !s('source').startsWith('run:'),
      };
    case 'EventMatched':
      return {
        text: `event ${String((d.event as Data).channel)} matched ${(d.tasks as string[]).join(', ')}`,
        notable: true,
      };
    case 'RunCancelRequested':
      return { text: `cancel requested by ${s('by')}: ${s('reason')}`, notable: true };
    case 'RunPaused':
      return { text: `paused by ${s('by')}${d.reason ? `: ${s('reason')}` : ''}`, notable: true };
    case 'RunResumed':
      return { text: `resumed by ${s('by')}${d.reason ? `: ${s('reason')}` : ''}`, notable: true };
    case 'RunTakenOver':
      return {
        text: `taken over by ${s('to')} (epoch ${String(d.epoch)}) from ${d.from === undefined ? 'no owner' : `${s('from')} (epoch ${String(d.fromEpoch)})`}`,
        notable: true,
      };
    case 'RunModified':
      return {
        text: `modified by ${s('by')}: ${(d.changes as Modification[]).map(change).join('; ')} (${s('reason')})`,
        notable: true,
      };
    case 'CompensationStarted':
      return {
        text: `compensating ${(d.keys as string[]).join(', ') || 'nothing'} (run ${s('outcome')})`,
        notable: true,
      };
    case 'CompensationDone':
      return { text: `compensation of ${s('key')} ${d.ok ? 'done' : `failed: ${err(d)}`}`, notable: true };
    case 'PatternDecided':
      return { text: `${s('pattern')} on ${s('key')}: ${decision(d.decision)}`, notable: true };
    case 'TaskAttemptAttached':
      return {
        text: `${s('key')} is remote task ${s('remoteTaskId')} (attempt ${s('attempt')})`,
        notable: false,
      };
    case 'TaskInputRequired':
      return { text: `${s('key')} waits for input: ${s('question')}`, notable: true };
    case 'TaskInputProvided':
      return { text: `${s('key')} got its input (attempt ${s('attempt')})`, notable: true };
    case 'RunCompleted':
      return { text: 'run completed', notable: true };
    case 'RunFailed':
      return { text: `run failed: ${err(d)}`, notable: true };
    case 'RunCancelled':
      return { text: 'run cancelled', notable: true };
    default:
      return { text: `${r.type} ${JSON.stringify(d).slice(0, 120)}`, notable: true };
  }
}

/** `   12  +1.234s  TaskCompleted  research[2] completed (attempt 1)` */
export function timelineLine(r: JournalRecord, startedAt: number): string {
  const offset = ((r.at - startedAt) / 1000).toFixed(3);
  return `${String(r.seq).padStart(5)}  +${offset.padStart(8)}s  ${r.type.padEnd(20)} ${describeEntry(r).text}`;
}
