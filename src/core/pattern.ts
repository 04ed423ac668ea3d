// @experimental A run as one reducer over its journal, the shape a runtime drives. The built-in graph
// pattern is the engine: apply() then decide(), which host whichever orchestration pattern the workflow
// selects (graph, sequential, supervisor, handoff, ...: patterns/registry.ts is that extension point).

import type { WorkflowSpec } from '../spec/schema.js';
import type { Command } from './commands.js';
import type { JournalEntry } from './entries.js';
import { decide } from './decide.js';
import { apply } from './fold.js';
import { initialState, type RunState } from './state.js';

export interface PatternStepResult<S> {
  readonly state: S;
  readonly commands: readonly Command[];
}

/**
 * A pattern: `init` builds its state from the workflow and its `pattern_config`; `step` takes the
 * state and one journal entry (the trigger) and returns the next state and the commands to run.
 * Both are pure. A plugin's state is journaled after each step (a PatternStep entry), so replay
 * needs no plugin-side memory.
 */
export interface Pattern<S = unknown, C = unknown> {
  readonly name: string;
  init(spec: WorkflowSpec, config: C): S;
  step(state: S, trigger: JournalEntry): PatternStepResult<S>;
}

/**
 * The default pattern, native: its state is the fold of the journal itself (so it needs no
 * PatternStep entries), and a step is apply() then decide(). The workflow arrives with RunStarted.
 */
export const graphPattern: Pattern<RunState, unknown> = {
  name: 'graph',
  init: () => initialState(),
  step(state, trigger) {
    apply(state, trigger);
    return { state, commands: decide(state, trigger) };
  },
};
