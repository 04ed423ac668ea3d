// The trusted in-thread runner behaves like the sandbox for everything but timeouts: typed errors
// naming plugin and export, the output cap, a fresh instance after a trap, and refusal once closed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
import { loadPlugin } from '../../../src/wasm/loader.js';
import { PatternPlugin, type PatternStepInput } from '../../../src/wasm/pattern-plugin.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';

const logs: string[] = [];
const runner = new InThreadRunner((plugin, level, message) => logs.push(`${plugin} ${level}: ${message}`));
let hostile: PatternPlugin;

beforeAll(async () => {
  hostile = new PatternPlugin(await loadPlugin(manifestOf(await builtFixtures(), 'hostile'), { runner }));
}, 60_000);
afterAll(() => runner.close());

const step = (mode: string): PatternStepInput => ({
  state: { kept: [1, 'ü'] },
  trigger: { kind: 'output', task: 't', key: 't@2', round: 2, output: { mode } },
  now_ms: 5,
  seed: 9,
  step: 3,
});

describe('the in-thread runner (trusted built-ins)', () => {
  it('fails a trap with BATON_E_PLUGIN_TRAP, logs the abort, and serves the next call afresh', async () => {
    await expect(hostile.step(step('abort'))).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_TRAP',
      message: 'plugin test/hostile@0.1.0, export pattern_step failed: unreachable',
    });
    expect(logs.some((l) => l.startsWith('test/hostile@0.1.0 error: the plugin gave up at '))).toBe(true);
    await expect(hostile.step(step('bomb'))).rejects.toMatchObject({ code: 'BATON_E_PLUGIN_TRAP' });
    await expect(hostile.step(step('ok'))).resolves.toEqual({
      state: null,
      decision: { op: 'continue', reason: 'ok' },
    });
  });

  it('caps the output size', async () => {
    await expect(hostile.step(step('huge'))).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_OUTPUT',
      message:
        'plugin test/hostile@0.1.0, export pattern_step: the output (1228802 bytes) is over the limit of 1048576 bytes',
    });
  });

  it('answers concurrent calls on one plugin each with its own output (runs ask at the same time)', async () => {
    const modes = Array.from({ length: 64 }, (_, k) => `m${k}`);
    const answers = await Promise.all(modes.map((m) => hostile.step(step(m))));
    expect(answers.map((a) => a.decision)).toEqual(modes.map((m) => ({ op: 'continue', reason: m })));
  });

  it('refuses calls once closed', async () => {
    const own = new InThreadRunner();
    const p = new PatternPlugin(
      await loadPlugin(manifestOf(await builtFixtures(), 'counter'), { runner: own }),
    );
    await own.close();
    await expect(p.step(step('x'))).rejects.toMatchObject({ code: 'BATON_E_PLUGIN_CLOSED' });
  });
});
