// Live modification from the browser: the run's task list as YAML to edit; "Check" turns the edit into
// ModifyRun changes (added, removed, replaced tasks) and runs src/core's own checkModification against
// the live state, so the validator's errors show before anything is sent; "Send" calls ModifyRun and
// shows the server's violations if it refuses.

import { useState } from 'react';
import { parse, stringify } from 'yaml';
import { checkModification, type Modification, type RunState } from '../../../src/core/index.js';
import { Task, type TaskSpec } from '../../../src/spec/index.js';
import { ApiError, call } from '../api.ts';

interface Diff {
  readonly changes: Modification[];
  readonly wire: object[];
}

function diff(before: readonly TaskSpec[], text: string): Diff | string {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    return `not YAML: ${(e as Error).message}`;
  }
  if (!Array.isArray(raw)) return 'expected a YAML list of tasks';
  const changes: Modification[] = [];
  const wire: object[] = [];
  // Each task as written (sent as YAML, so durations mean what they say) and as the schema reads it.
  const after = new Map<string, { raw: unknown; spec: TaskSpec }>();
  for (const [i, item] of (raw as unknown[]).entries()) {
    const parsed = Task.safeParse(item);
    if (!parsed.success)
      return `task ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`;
    after.set(parsed.data.id, { raw: item, spec: parsed.data });
  }
  const old = new Map(before.map((t) => [t.id, t]));
  for (const t of before)
    if (!after.has(t.id)) {
      changes.push({ op: 'remove_task', task: t.id });
      wire.push({ removeTask: t.id });
    }
  for (const [id, t] of after) {
    const was = old.get(id);
    if (was === undefined) {
      changes.push({ op: 'add_task', task: t.spec });
      wire.push({ addTask: stringify(t.raw) });
    } else if (JSON.stringify(was) !== JSON.stringify(t.raw)) {
      changes.push({ op: 'replace_task', task: t.spec });
      wire.push({ replaceTask: stringify(t.raw) });
    }
  }
  return { changes, wire };
}

export function ModifyPanel({ runId, state }: { runId: string; state: RunState }) {
  const tasks = state.workflow?.tasks ?? [];
  const [text, setText] = useState(() => stringify(tasks));
  const [problems, setProblems] = useState<string[]>([]);
  const [sent, setSent] = useState('');
  const check = (): Diff | undefined => {
    setSent('');
    const d = diff(tasks, text);
    if (typeof d === 'string') {
      setProblems([d]);
      return undefined;
    }
    if (d.changes.length === 0) {
      setProblems(['no change to the task list']);
      return undefined;
    }
    const r = checkModification(state, d.changes);
    setProblems(r.ok ? [] : r.problems.map((p) => `${p.code} ${p.target}: ${p.message}`));
    return r.ok ? d : undefined;
  };
  const send = async () => {
    const d = check();
    if (!d) return;
    try {
      await call('RunService', 'ModifyRun', {
        runId,
        modifications: d.wire,
        reason: 'modified from the web UI',
      });
      setSent(`applied ${d.changes.length} change(s)`);
    } catch (e) {
      const body = e instanceof ApiError ? e.body : undefined;
      setProblems([
        (e as Error).message,
        ...(body?.violations ?? []).map((v) => `${v.code} ${v.subject}: ${v.message}`),
      ]);
    }
  };
  return (
    <div className="modify-panel">
      <textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={14}
        spellCheck={false}
        data-testid="modify-text"
      />
      <div>
        <button onClick={() => void check()}>Check</button> <button onClick={() => void send()}>Send</button>{' '}
        <span>{sent}</span>
      </div>
      <ul className="problems" data-testid="modify-problems">
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}
