// graph, concurrent and sequential: thin variants of the graph engine that judge no output.
// graph (the default) starts every task whose depends_on are done; concurrent is the same thing under
// the name users reach for (all tasks start at once, held back by nothing but explicit depends_on);
// sequential runs one task at a time: when none is running, the ready task first in file order starts.
// That is "as if each task depended on the one before it" whenever depends_on agrees with file order,
// but a `when: false` task does not skip the rest, and depends_on pointing forward cannot deadlock.
// A fan-out task still runs its instances by its own `parallel` limit: sequential orders tasks.

import { z } from 'zod';
import { parsePatternConfig, type OrchestrationPattern } from './registry.js';

/** None of them takes a pattern_config key. */
const NoConfig = z.strictObject({});

const variant = (name: string, serial: boolean): OrchestrationPattern<null> => ({
  name,
  init(_spec, config) {
    parsePatternConfig(name, NoConfig, config);
    return { state: null, judges: [], holds: [], serial };
  },
  // Never asked: these patterns judge no task. Were one asked, going on is what the graph does.
  step: () => ({ state: null, decision: { op: 'continue' } }),
});

export const GRAPH_VARIANTS: readonly OrchestrationPattern<null>[] = [
  variant('graph', false),
  variant('concurrent', false),
  variant('sequential', true),
];
