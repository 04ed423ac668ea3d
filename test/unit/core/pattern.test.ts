import { describe, expect, it } from 'vitest';
import { graphPattern, snapshot, type JournalEntry } from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

describe('the graph pattern', () => {
  it('drives a run through the Pattern interface exactly as apply + decide do', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const live = new Sim().start(wf).drive((d) => ({ output: d.key }));
    let state = graphPattern.init(wf, undefined);
    const commands = live.journal.flatMap((e: JournalEntry) => {
      const r = graphPattern.step(state, e);
      state = r.state;
      return r.commands;
    });
    expect(graphPattern.name).toBe('graph');
    expect(snapshot(state)).toEqual(snapshot(live.state));
    expect(commands).toEqual(live.commands);
  });
});
