// Hostile plugins against the sandbox (real worker threads, real Extism): every attack fails its own
// call with a typed error naming the plugin and export, while another plugin keeps being served on
// the pool and the main event loop keeps ticking. Plus the Extism pitfall: 20,000 calls on one plugin.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from '../../../src/wasm/loader.js';
import { PatternPlugin, type PatternStepInput } from '../../../src/wasm/pattern-plugin.js';
import { WorkerPool } from '../../../src/wasm/worker-pool.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';

let pool: WorkerPool;
let hostile: PatternPlugin;
let counter: PatternPlugin;
const logs: string[] = [];

beforeAll(async () => {
  const dir = await builtFixtures();
  pool = new WorkerPool({ size: 2, log: (_sha, level, message) => logs.push(`${level}: ${message}`) });
  hostile = new PatternPlugin(await loadPlugin(manifestOf(dir, 'hostile'), { runner: pool }));
  counter = new PatternPlugin(await loadPlugin(manifestOf(dir, 'counter'), { runner: pool }));
}, 60_000);
afterAll(() => pool.close());

const stepWith = (output: unknown, state: unknown = null): PatternStepInput => ({
  state,
  trigger: { kind: 'output', task: 'a', key: 'a', round: 1, agent: 'x', output },
  now_ms: 1,
  seed: 1,
  step: 0,
});

/** Runs the attack while the counter plugin is called over and over and a timer ticks on the main thread. */
async function underAttack(mode: string) {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  let served = 0;
  let attacking = true;
  const attack = hostile.step(stepWith({ mode })).finally(() => (attacking = false));
  const others = (async () => {
    while (attacking) {
      const r = await counter.step(stepWith(1, { steps: served }));
      expect(r.state).toEqual({ steps: served + 1, last: 'a' });
      served++;
    }
  })();
  const outcome = await attack.then(
    () => null,
    (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
  );
  await others;
  clearInterval(ticker);
  return { outcome, served, ticks };
}

describe('hostile plugins in the sandbox', () => {
  it('an infinite loop is cut off at its timeout; the worker is replaced and serves again', async () => {
    const before = pool.respawns;
    const { outcome, served, ticks } = await underAttack('loop');
    expect(outcome).toEqual({
      code: 'BATON_E_PLUGIN_TIMEOUT',
      message:
        'plugin test/hostile@0.1.0, export pattern_step: no answer within 500 ms; its worker was terminated and replaced',
    });
    expect(served).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(0);
    expect(pool.respawns).toBe(before + 1);
    await expect(hostile.step(stepWith({ mode: 'fine' }))).resolves.toEqual({
      state: null,
      decision: { op: 'continue', reason: 'fine' },
    });
  });

  it('a memory bomb hits the module’s declared maximum and traps', async () => {
    const { outcome } = await underAttack('bomb');
    expect(outcome?.code).toBe('BATON_E_PLUGIN_TRAP');
    expect(outcome?.message).toMatch(/^plugin test\/hostile@0\.1\.0, export pattern_step failed: /);
    // The trapped instance (its memory full) is dropped: the next call runs on a fresh one.
    await expect(hostile.step(stepWith({ mode: 'after-bomb' }))).resolves.toMatchObject({
      decision: { op: 'continue', reason: 'after-bomb' },
    });
  });

  it.each([
    ['trap', 'BATON_E_PLUGIN_TRAP', /export pattern_step failed: unreachable/],
    ['abort', 'BATON_E_PLUGIN_TRAP', /export pattern_step failed: unreachable/],
    ['badjson', 'BATON_E_PLUGIN_OUTPUT', /export pattern_step: the output is not JSON/],
    ['shape', 'BATON_E_PLUGIN_OUTPUT', /does not fit ABI v1 \(decision\.op: Invalid discriminator value/],
    ['huge', 'BATON_E_PLUGIN_OUTPUT', /the output \(1228802 bytes\) is over the limit of 1048576 bytes/],
    ['silent', 'BATON_E_PLUGIN_OUTPUT', /export pattern_step: no output/],
  ])('%s fails the call with %s and harms nothing else', async (mode, code, message) => {
    const { outcome } = await underAttack(mode);
    expect(outcome?.code).toBe(code);
    expect(outcome?.message).toMatch(message);
    expect(outcome?.message).toMatch(/^plugin test\/hostile@0\.1\.0, export pattern_step/);
  });

  it('an abort’s message reaches the host log', async () => {
    logs.length = 0;
    await expect(hostile.step(stepWith({ mode: 'abort' }))).rejects.toThrow();
    expect(logs.some((l) => /^error: the plugin gave up at .*index\.ts:\d+:\d+$/.test(l))).toBe(true);
  });

  it('makes 20,000 calls on one plugin (Extism fails call 8192 of an instance never reset)', async () => {
    let state: unknown = { steps: 0 };
    for (let i = 0; i < 20_000; i++) state = (await counter.step(stepWith(i, state))).state;
    expect(state).toEqual({ steps: 20_000, last: 'a' });
  }, 120_000);

  it('refuses calls once closed', async () => {
    const dir = await builtFixtures();
    const own = new WorkerPool({ size: 1 });
    const p = new PatternPlugin(await loadPlugin(manifestOf(dir, 'counter'), { runner: own }));
    await own.close();
    await expect(p.step(stepWith(1))).rejects.toMatchObject({ code: 'BATON_E_PLUGIN_CLOSED' });
  });
});
