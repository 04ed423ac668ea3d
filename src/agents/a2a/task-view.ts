// A remote task as Baton follows it: its id, state, last status message, and its artifacts accumulated
// from Task snapshots and artifact updates (append/lastChunk, spec §4.2.2), with the size they add up to;
// and how artifacts become a task output.

import {
  TaskState,
  type Artifact,
  type Message,
  type Part,
  type StreamResponse,
  type Task,
  type TaskStatus,
} from '@a2a-js/sdk';

export const TERMINAL: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** Bytes a part adds to the output as Baton journals it (raw bytes as base64). */
export function partBytes(p: Part): number {
  const c = p.content;
  switch (c?.$case) {
    case 'text':
    case 'url':
      return Buffer.byteLength(c.value);
    case 'raw':
      return Math.ceil(c.value.length / 3) * 4;
    case 'data':
      return Buffer.byteLength(JSON.stringify(c.value ?? null));
    default:
      return 0;
  }
}

export class TaskView {
  taskId: string | undefined;
  contextId: string | undefined;
  state: TaskState = TaskState.TASK_STATE_UNSPECIFIED;
  status: TaskStatus | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The agent answered with a message and no task (spec §3.1.1): the whole answer. */
  reply: Message | undefined;
  private readonly artifacts = new Map<string, Artifact>();
  private size = 0;

  constructor(remoteTaskId?: string) {
    this.taskId = remoteTaskId;
  }

  /** Bytes of all artifacts so far. */
  get bytes(): number {
    return this.size;
  }

  get done(): boolean {
    return this.reply !== undefined || TERMINAL.has(this.state);
  }

  artifactList(): Artifact[] {
    return [...this.artifacts.values()];
  }

  /** A full task (GetTask, or the first event of a stream): its artifacts replace what was known. */
  applyTask(task: Task): void {
    this.taskId = task.id;
    this.contextId = task.contextId;
    this.metadata = task.metadata;
    if (task.status !== undefined) this.setStatus(task.status);
    this.artifacts.clear();
    this.size = 0;
    for (const a of task.artifacts) this.put(a);
  }

  /** One stream event. Returns the status update it carried, if it was one. */
  apply(event: StreamResponse): void {
    const p = event.payload;
    switch (p?.$case) {
      case 'task':
        return this.applyTask(p.value);
      case 'message':
        this.reply = p.value;
        return;
      case 'statusUpdate':
        this.taskId ??= p.value.taskId;
        if (p.value.status !== undefined) this.setStatus(p.value.status);
        return;
      case 'artifactUpdate': {
        const a = p.value.artifact;
        if (a === undefined) return;
        const had = this.artifacts.get(a.artifactId);
        if (p.value.append && had !== undefined) {
          this.artifacts.set(a.artifactId, { ...had, parts: [...had.parts, ...a.parts] });
          this.size += a.parts.reduce((n, part) => n + partBytes(part), 0);
        } else {
          if (had !== undefined) this.size -= had.parts.reduce((n, part) => n + partBytes(part), 0);
          this.put(a);
        }
        return;
      }
    }
  }

  private put(a: Artifact): void {
    this.artifacts.set(a.artifactId, a);
    this.size += a.parts.reduce((n, part) => n + partBytes(part), 0);
  }

  private setStatus(status: TaskStatus): void {
    this.status = status;
    this.state = status.state;
  }
}

/** A file part of an output: its name and media type, and its bytes (base64) or its URL. */
export interface OutputFile {
  readonly name: string;
  readonly media_type: string;
  readonly bytes?: string;
  readonly url?: string;
}

/**
 * The task output carried by parts (every artifact's, in order): one data part alone is its value; text
 * parts alone are their text (joined by blank lines); anything else (several data parts, files, a mix)
 * is `{ text, data: [...], files: [...] }`, so no part is dropped. No parts: null.
 */
export function outputOfParts(parts: readonly Part[]): unknown {
  const texts: string[] = [];
  const data: unknown[] = [];
  const files: OutputFile[] = [];
  for (const p of parts) {
    const c = p.content;
    if (c?.$case === 'text') texts.push(c.value);
    else if (c?.$case === 'data') data.push(c.value ?? null);
    else if (c?.$case === 'raw')
      files.push({
        name: p.filename,
        media_type: p.mediaType,
        bytes: Buffer.from(c.value).toString('base64'),
      });
    else if (c?.$case === 'url') files.push({ name: p.filename, media_type: p.mediaType, url: c.value });
  }
  if (files.length === 0 && texts.length === 0 && data.length === 1) return data[0];
  if (files.length === 0 && data.length === 0) return texts.length === 0 ? null : texts.join('\n\n');
  return { text: texts.join('\n\n'), data, files };
}

/** The words of a status message (its text parts), and its data parts when it has any. */
export function messageText(m: Message | undefined): { text: string; data?: unknown } {
  if (m === undefined) return { text: '' };
  const texts: string[] = [];
  const data: unknown[] = [];
  for (const p of m.parts) {
    if (p.content?.$case === 'text') texts.push(p.content.value);
    else if (p.content?.$case === 'data') data.push(p.content.value ?? null);
  }
  const text = texts.join('\n');
  if (data.length === 0) return { text };
  return { text, data: data.length === 1 ? data[0] : data };
}
