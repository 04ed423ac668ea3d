// The parity harness for porting a native pattern to a plugin: the same workflow and scripted agents,
// run once with the native TypeScript reducer (core Sim) and once with the plugin answering each
// AskPattern through the host, must journal the same entries (after RunStarted, which carries the
// plugin binding) and end the same way.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkVerdict, type Dispatch, type RunOptions } from '../../../src/core/index.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import type { WorkflowSpec } from '../../../src/spec/schema.js';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';
import { Sim, type Answer } from '../../unit/core/sim.js';

const ROOT = join(import.meta.dirname, '../../..');

/** Stops the Sim's drive from firing timers while the pattern's answer is awaited (no time passes then). */
const AWAITING = new Error('a pattern question is open');
class PluginSim extends Sim {
  asked = 0;
  override fire(timerId: string) {
    if (this.asks.length > this.asked) throw AWAITING;
    return super.fire(timerId);
  }
}

export interface Parity {
  /** The run with the plugin: drive the agents, answer each AskPattern through the host, repeat. */
  withPlugin(
    wf: WorkflowSpec,
    input: unknown,
    answer: (d: Dispatch) => Answer,
    options?: RunOptions,
  ): Promise<Sim>;
  /** Both runs, compared; returns the plugin's. */
  same(wf: WorkflowSpec, answer: (d: Dispatch) => Answer, input?: unknown): Promise<Sim>;
  close(): Promise<void>;
}

/** Builds plugins/<name> and returns the harness for it (run by the trusted in-thread runner). */
export async function parity(name: string): Promise<Parity> {
  const out = mkdtempSync(join(tmpdir(), `baton-${name}-plugin-`));
  await (buildPlugin as (dir: string, out: string) => Promise<string>)(join(ROOT, 'plugins', name), out);
  const runner = new InThreadRunner();
  const plugins = new PatternPlugins([{ dir: out, runner }]);

  async function withPlugin(
    wf: WorkflowSpec,
    input: unknown,
    answer: (d: Dispatch) => Answer,
    options: RunOptions = {},
  ) {
    const sim = new PluginSim();
    const binding = await plugins.bind(name, wf, 7, sim.now);
    sim.start(wf, input, { ...options, pattern: binding });
    for (;;) {
      try {
        sim.drive(answer);
      } catch (e) {
        if (e !== AWAITING) throw e;
      }
      const open = sim.asks.slice(sim.asked);
      if (open.length === 0) return sim;
      for (const ask of open) {
        sim.asked++;
        const v = await plugins.ask(binding, ask, sim.state.seed);
        const decision = checkVerdict(sim.state.ctx!, ask.key, v.decision);
        sim.input({ type: 'PatternDecided', key: ask.key, pattern: ask.pattern, state: v.state, decision });
      }
    }
  }

  return {
    withPlugin,
    async same(wf, answer, input = {}) {
      const native = new Sim().start(wf, input).drive(answer);
      const plugin = await withPlugin(wf, input, answer);
      expect(plugin.journal.slice(1)).toEqual(native.journal.slice(1));
      for (const k of ['status', 'output', 'error', 'pattern'] as const) {
        expect(plugin.state[k]).toEqual(native.state[k]);
      }
      return plugin;
    },
    async close() {
      await runner.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
