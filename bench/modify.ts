// Cost of a live modification on a large run: checking it (the full validator over the changed
// workflow; on a rejection, once more per change to pin each problem) and applying it (the graph and
// context rebuilt, task state carried over by id). Prints JSON lines, one per case.

import { apply, checkModification, fold, type JournalEntry, type Modification } from '../src/core/index.js';
import { Task, Workflow } from '../src/spec/schema.js';
import { time } from './lib.js';

const SIZES = [1_000, 10_000];

for (const n of SIZES) {
  // A chain of fan-in layers: task i depends on up to two of the tasks before it.
  const tasks = Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    agent: 'a',
    depends_on: i === 0 ? [] : i === 1 ? ['t0'] : [`t${i - 1}`, `t${Math.floor(i / 2)}`],
  }));
  const workflow = Workflow.parse({ name: 'big', version: '1', agents: { a: { type: 't' } }, tasks });
  const started: JournalEntry = {
    type: 'RunStarted',
    runId: 'r',
    namespace: 'default',
    workflow,
    input: {},
    options: {},
    seed: 1,
    seq: 1,
    at: 0,
    v: 1,
  };
  const state = fold([started]);
  const add: Modification[] = [
    { op: 'add_task', task: Task.parse({ id: 'extra', agent: 'a', depends_on: [`t${n - 1}`] }) },
    { op: 'swap_agent', task: `t${n - 2}`, agent: 'a' },
  ];
  const bad: Modification[] = [
    { op: 'remove_task', task: `t${n - 3}` },
    { op: 'add_task', task: Task.parse({ id: 'late', agent: 'a', depends_on: ['ghost'] }) },
  ];
  const ok = checkModification(state, add);
  if (!ok.ok) throw new Error('the benchmark change should be valid');
  let seq = 2;
  const applied = time(() => {
    const s = fold([started]);
    apply(s, {
      type: 'RunModified',
      by: 'b',
      reason: 'r',
      changes: add,
      workflow: ok.workflow,
      request: 'q',
      base: 0,
      seq: seq++,
      at: 1,
      v: 1,
    });
  }, 10);
  const fresh = time(() => fold([started]), 10);
  console.log(
    JSON.stringify({
      bench: 'modify',
      tasks: n,
      check_valid: time(() => checkModification(state, add), 10),
      check_rejected_2_changes: time(() => checkModification(state, bad), 5),
      start_fold: fresh,
      start_fold_plus_apply: applied,
    }),
  );
}
