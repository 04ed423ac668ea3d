// The built-in orchestration patterns, registered through registerPattern like any other pattern.
// Importing this module is what makes them selectable; the engine imports it (context.ts).

import { GRAPH_VARIANTS } from './graph.js';
import { handoffPattern } from './handoff.js';
import { registerPattern } from './registry.js';
import { supervisorPattern } from './supervisor.js';

for (const pattern of GRAPH_VARIANTS) registerPattern(pattern);
registerPattern(supervisorPattern);
registerPattern(handoffPattern);

export { handoffPattern, type HandoffState } from './handoff.js';
export { supervisorPattern, type SupervisorState } from './supervisor.js';
export * from './registry.js';
