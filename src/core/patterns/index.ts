// The native orchestration patterns, registered through registerPattern: the graph modes (graph,
// concurrent, sequential), which judge no output. Every pattern that judges outputs (supervisor,
// handoff, ...) is a WASM plugin (plugins/, loaded by runtime/pattern-plugins.ts). Importing this
// module is what makes the natives selectable; the engine imports it (context.ts).

import { GRAPH_VARIANTS } from './graph.js';
import { registerPattern } from './registry.js';

for (const pattern of GRAPH_VARIANTS) registerPattern(pattern);

export * from './registry.js';
