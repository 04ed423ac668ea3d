import { describe, expect, it } from 'vitest';
import { apply, decide, initialState, snapshot, type JournalEntry } from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

describe('replaying a journal', () => {
  it('through apply + decide gives exactly the live state and commands (no pattern memory needed)', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const live = new Sim().start(wf).drive((d) => ({ output: d.key }));
    const state = initialState();
    const commands = live.journal.flatMap((e: JournalEntry) => {
      apply(state, e);
      return decide(state, e);
    });
    expect(state.workflow?.orchestration_pattern).toBe('graph');
    expect(snapshot(state)).toEqual(snapshot(live.state));
    expect(commands).toEqual(live.commands);
  });
});
