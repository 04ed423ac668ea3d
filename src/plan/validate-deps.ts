// Rules about depends_on: every entry names another existing task, and dependencies form no cycle.
// A cycle is reported once per strongly connected component, with one concrete loop as its path;
// tasks merely downstream of a cycle are not reported again (they cannot start for the same reason).

import { isUnread, taskPath, type ValidationContext } from './context.js';
import { cycleThrough, cyclicComponents } from './cycles.js';

export function dependencyReferences(ctx: ValidationContext): void {
  const { graph } = ctx;
  ctx.spec.tasks.forEach((t, p) => {
    const i = graph.indexAt[p]!;
    // The graph kept every entry of this task, so each names another task (and no id lookup is needed).
    const kept = graph.depStart[i + 1]! - graph.depStart[i]!;
    if (graph.position[i] === p && kept === t.depends_on.length) return;
    t.depends_on.forEach((dep, k) => {
      if (dep === t.id) {
        ctx.report(
          'BATON_E_SELF_DEPENDENCY',
          taskPath(p, 'depends_on', k),
          `task "${t.id}" depends on itself`,
          {
            hint: 'remove this entry; to run a task again until a condition holds, use repeat',
          },
        );
      } else if (!ctx.graph.index.has(dep) && !isUnread(ctx, 'tasks', dep)) {
        ctx.report(
          'BATON_E_UNKNOWN_DEPENDENCY',
          taskPath(p, 'depends_on', k),
          `task "${t.id}" depends on "${dep}", which is not a task`,
          {
            // Never the task itself: depending on itself is an error of its own.
            hint: ctx.suggest(
              dep,
              ctx.graph.ids.filter((id) => id !== t.id),
            ),
          },
        );
      }
    });
  });
}

export function dependencyCycles(ctx: ValidationContext): void {
  if (ctx.topo.complete) return;
  const { graph, spec } = ctx;
  for (const component of cyclicComponents(graph)) {
    const cycle = cycleThrough(graph, component);
    const first = graph.ids[cycle[0]!]!;
    const last = cycle[cycle.length - 1]!;
    const p = graph.position[last]!;
    const closing = spec.tasks[p]!.depends_on.indexOf(first);
    const path = [...cycle, cycle[0]!].map((i) => graph.ids[i]).join(' -> ');
    const others = component.length - cycle.length;
    ctx.report('BATON_E_CYCLE', taskPath(p, 'depends_on', closing), `dependency cycle: ${path}`, {
      found: `${path} ("a -> b": a depends on b)${others > 0 ? `; ${others} more task(s) are caught in the same knot` : ''}`,
      hint: 'remove one of these depends_on entries; for a loop that ends, use repeat or a block with until',
    });
  }
}
