// Recovery after a verdict that ended the run (a pattern registered in core). The recovery of runs under
// the built-in patterns (plugins) is test/integration/wasm/pattern-resume.test.ts.

import { describe, expect, it } from 'vitest';
import { fold, registerPattern, resumeCommands } from '../../../../src/core/index.js';
import { Sim, echo, workflow } from '../sim.js';

describe('recovery after a verdict that ended the run', () => {
  it('completes the run without starting the dependents the verdict left waiting', () => {
    registerPattern({
      name: 'acme-stop',
      init: () => ({ state: { stops: 0 }, judges: ['x'], holds: [], serial: false }),
      step: () => ({ state: { stops: 1 }, decision: { op: 'complete' } }),
    });
    const wf = workflow(
      [
        { id: 'x', agent: 'a', emits: ['done'] },
        { id: 'y', agent: 'a', depends_on: ['x'] },
      ],
      { orchestration_pattern: 'acme-stop', coordination: { event_driven: ['done'] } },
    );
    const live = new Sim().start(wf).drive(echo);
    expect(live.dispatches.map((d) => d.key)).toEqual(['x']);
    const k = live.journal.findIndex((e) => e.type === 'PatternDecided') + 1;
    const commands = resumeCommands(fold(live.journal.slice(0, k)));
    expect(commands.map((c) => c.type)).toEqual(['Publish', 'Append']);
    expect(commands[1]).toMatchObject({ entry: { type: 'RunCompleted', output: { x: { by: 'x' } } } });
  });
});
