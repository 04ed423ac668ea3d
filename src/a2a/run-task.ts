// A served run in A2A shape: the Task of a run (id = run id, state from the run's status, artifacts = its
// output), and the stream events its journal entries become (status and artifact updates). Pure
// translation: every value comes from the run's folded state or one journal record.

import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Artifact, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import { waitingForInput, type RunState } from '../core/index.js';
import type { JournalRecord } from '../store/store.js';

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** The journal entries after which a run has ended. */
export const FINAL_ENTRIES: ReadonlySet<string> = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);

/** The A2A context of a run: the one its starting message named (or was given), else the run id. */
export const contextOf = (s: RunState): string => s.options.a2a?.contextId ?? s.runId;

export function taskStateOf(s: RunState): TaskState {
  switch (s.status) {
    case 'completed':
      return TaskState.TASK_STATE_COMPLETED;
    case 'failed':
      return TaskState.TASK_STATE_FAILED;
    case 'cancelled':
      return TaskState.TASK_STATE_CANCELED;
    case 'planning':
      return TaskState.TASK_STATE_SUBMITTED;
    default:
      return waitingForInput(s).length > 0
        ? TaskState.TASK_STATE_INPUT_REQUIRED
        : TaskState.TASK_STATE_WORKING;
  }
}

/** An agent-role message of the run's task: text, and a data part when there is detail. */
export function agentMessage(runId: string, contextId: string, text: string, data?: unknown): Message {
  const parts: Message['parts'] = [
    { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' },
  ];
  if (data !== undefined && data !== null)
    parts.push({
      content: { $case: 'data', value: data },
      metadata: undefined,
      filename: '',
      mediaType: 'application/json',
    });
  return {
    messageId: randomUUID(),
    contextId,
    taskId: runId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The question of the tasks waiting for input, in words (one line per task), with their keys as data. */
function inputQuestion(s: RunState): { text: string; data: unknown } {
  const waiting = waitingForInput(s);
  const text = waiting.map((w) => (waiting.length > 1 ? `${w.key}: ${w.question}` : w.question)).join('\n');
  return {
    text,
    data: {
      waiting: waiting.map((w) => ({ task: w.key, question: w.question, data: w.data, since: w.since })),
    },
  };
}

/** What the run's status says in words, when there is something to say (failed, cancelled, input). */
function statusMessage(s: RunState, state: TaskState): Message | undefined {
  const ctx = contextOf(s);
  if (state === TaskState.TASK_STATE_FAILED && s.error !== null)
    return agentMessage(s.runId, ctx, `${s.error.code}: ${s.error.message}`, { error: s.error });
  if (state === TaskState.TASK_STATE_CANCELED)
    return agentMessage(s.runId, ctx, `cancelled${s.cancel ? ` by ${s.cancel.by}: ${s.cancel.reason}` : ''}`);
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED) {
    const q = inputQuestion(s);
    return agentMessage(s.runId, ctx, q.text, q.data);
  }
  return undefined;
}

/** The run's output as the task's one artifact: a data part holding the output object (sink task -> output). */
export function outputArtifact(output: Record<string, unknown>): Artifact {
  return {
    artifactId: 'output',
    name: 'output',
    description: 'The run output: the output of each sink task, by task id',
    parts: [
      {
        content: { $case: 'data', value: output },
        metadata: undefined,
        filename: '',
        mediaType: 'application/json',
      },
    ],
    metadata: undefined,
    extensions: [],
  };
}

export interface TaskOptions {
  /** Leave the artifacts out (ListTasks without includeArtifacts). */
  readonly artifacts?: boolean;
}

/** The run as an A2A Task, as of the last entry folded into `s`. */
export function taskOf(s: RunState, opts: TaskOptions = {}): Task {
  const state = taskStateOf(s);
  const at = s.endedAt ?? s.lastAt;
  return {
    id: s.runId,
    contextId: contextOf(s),
    status: {
      state,
      message: statusMessage(s, state),
      timestamp: new Date(at || Date.now()).toISOString(),
    },
    artifacts: opts.artifacts === false || s.output === null ? [] : [outputArtifact(s.output)],
    history: [],
    metadata: {
      baton: {
        workflow: s.workflow?.name ?? '',
        workflow_version: s.workflow?.version ?? '',
        run_status: s.status,
        phase: s.phase,
        seq: s.lastSeq,
        compensated: [...(s.saga?.compensated ?? [])],
      },
    },
  };
}

const statusEvent = (s: RunState, seq: number, state: TaskState, message?: Message): StreamResponse => ({
  payload: {
    $case: 'statusUpdate',
    value: {
      taskId: s.runId,
      contextId: contextOf(s),
      status: { state, message, timestamp: new Date(s.lastAt || Date.now()).toISOString() },
      metadata: { baton: { seq } },
    },
  },
});

/** What an entry of the run's journal says in words, for the status update it becomes (if any). */
function describe(r: JournalRecord): string | undefined {
  const d = r.data as Record<string, unknown>;
  const err = d.error as { code?: string; message?: string } | undefined;
  switch (r.type) {
    case 'TaskDispatched':
      return `task ${String(d.key)} started (attempt ${String(d.attempt)}${typeof d.instance === 'string' ? `, agent ${d.instance}` : ''})`;
    case 'TaskCompleted':
      return `task ${String(d.key)} completed`;
    case 'TaskFailed':
      return `task ${String(d.key)} failed: ${err?.code ?? ''}: ${err?.message ?? ''}`;
    case 'TaskSkipped':
      return `task ${String(d.task ?? d.key)} skipped`;
    case 'RetryScheduled':
      return `task ${String(d.key)} will be retried`;
    case 'RunPaused':
      return 'the run is paused';
    case 'RunResumed':
      return 'the run resumed';
    case 'RunCancelRequested':
      return 'cancelling: compensating what completed';
    case 'CompensationStarted':
      return 'compensating';
    case 'TaskInputProvided':
      return `input provided to task ${String(d.key)}`;
    default:
      return undefined;
  }
}

/**
 * The stream events of one journal record, given the run's state folded up to and including it:
 * entries that change what the caller sees become a status update (WORKING with what happened, or the
 * state the run is now in), the run's end becomes its output artifact then the final status. Entries
 * that say nothing to an A2A caller (timers, pattern steps, bookkeeping) become nothing.
 */
export function eventsOf(r: JournalRecord, s: RunState, wasInputRequired: boolean): StreamResponse[] {
  const state = taskStateOf(s);
  if (FINAL_ENTRIES.has(r.type)) {
    const out: StreamResponse[] = [];
    if (state === TaskState.TASK_STATE_COMPLETED && s.output !== null)
      out.push({
        payload: {
          $case: 'artifactUpdate',
          value: {
            taskId: s.runId,
            contextId: contextOf(s),
            artifact: outputArtifact(s.output),
            append: false,
            lastChunk: true,
            metadata: { baton: { seq: r.seq } },
          },
        },
      });
    out.push(statusEvent(s, r.seq, state, statusMessage(s, state)));
    return out;
  }
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED && r.type === 'TaskInputRequired')
    return [statusEvent(s, r.seq, state, statusMessage(s, state))];
  const text = describe(r);
  // Leaving input-required is always said, whatever entry did it.
  if (text === undefined && !(wasInputRequired && state !== TaskState.TASK_STATE_INPUT_REQUIRED)) return [];
  return [statusEvent(s, r.seq, state, agentMessage(s.runId, contextOf(s), text ?? 'working'))];
}
