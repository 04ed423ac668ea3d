// The Sim (test/unit/core/sim.ts) with a pattern plugin answering its AskPatterns through the real host
// (in-thread, as the app runs built-ins): the harness the pattern tests run on, now that every pattern
// that judges outputs is a plugin. Each question is answered before anything else happens, so a run
// journals its verdict right after the output it judges, as the runtime does (RunActor.askPattern).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkVerdict,
  fold,
  resumeCommands,
  type Compensate,
  type Dispatch,
  type InputFields,
  type JournalEntry,
  type PatternBinding,
  type RunOptions,
  type RunStarted,
} from '../../../src/core/index.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import type { WorkflowSpec } from '../../../src/spec/schema.js';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';
import { Sim, type Answer } from '../../unit/core/sim.js';

const ROOT = join(import.meta.dirname, '../../..');

/** Thrown (and caught by the harness) when the Sim would move on while a pattern question is open. */
const AWAITING = new Error('a pattern question is open');

export class PluginSim extends Sim {
  /** AskPatterns answered so far. */
  asked = 0;
  get open(): boolean {
    return this.asks.length > this.asked;
  }
  private guard(): void {
    if (this.open) throw AWAITING;
  }
  override input(fields: InputFields): JournalEntry {
    if (fields.type !== 'PatternDecided') this.guard();
    return super.input(fields);
  }
  override complete(key: string, output: unknown): JournalEntry {
    this.guard();
    return super.complete(key, output);
  }
  override fail(key: string, error: Parameters<Sim['fail']>[1]): JournalEntry {
    this.guard();
    return super.fail(key, error);
  }
  override fire(timerId: string): JournalEntry {
    this.guard();
    return super.fire(timerId);
  }
}

type DriveOptions = {
  pick?: (live: Dispatch[]) => Dispatch;
  compensate?: (c: Compensate) => boolean;
};

export interface PluginHarness {
  readonly plugins: PatternPlugins;
  /** pattern_init for `wf` (its pattern, by name), as Engine.start binds it. */
  bind(wf: WorkflowSpec): Promise<PatternBinding>;
  /** Starts `wf` bound to its plugin; a refusal by pattern_init fails the run at its start. */
  start(wf: WorkflowSpec, input?: unknown, options?: RunOptions): Promise<PluginSim>;
  /** Sim.drive, answering every pattern question as it comes. */
  drive(sim: PluginSim, answer: (d: Dispatch) => Answer, opts?: DriveOptions): Promise<PluginSim>;
  /** One agent's answer, then the pattern's verdicts it calls for. */
  complete(sim: PluginSim, key: string, output: unknown): Promise<PluginSim>;
  /** A runtime taking over after a crash (Sim.recover), answering the questions it re-issues. */
  recover(journal: readonly JournalEntry[], now: number): Promise<PluginSim>;
  close(): Promise<void>;
}

/** Answers the open questions of `sim` through the host, in order. */
async function settle(plugins: PatternPlugins, sim: PluginSim): Promise<void> {
  const binding = sim.state.options.pattern;
  while (sim.open) {
    const ask = sim.asks[sim.asked++]!;
    if (binding === undefined) throw new Error(`the run asks ${ask.pattern} and is bound to no plugin`);
    const v = await plugins.ask(binding, ask, sim.state.seed);
    const decision = checkVerdict(sim.state.ctx!, ask.key, v.decision);
    sim.input({ type: 'PatternDecided', key: ask.key, pattern: ask.pattern, state: v.state, decision });
  }
}

/** A harness over the plugins in `dir` (each `<dir>/<plugin>/manifest.json`), run in-thread. */
export function pluginHarness(dir: string, cleanup?: () => void): PluginHarness {
  const runner = new InThreadRunner();
  const plugins = new PatternPlugins([{ dir, runner }]);
  const bind = (wf: WorkflowSpec) => plugins.bind(wf.orchestration_pattern, wf, 7, 1_000_000);

  async function drive(sim: PluginSim, answer: (d: Dispatch) => Answer, opts: DriveOptions = {}) {
    // The Sim answers each dispatch once; a drive resumed after a question must not ask the script again.
    const answers = new Map<string, Answer>();
    const once = (d: Dispatch): Answer => {
      if (!answers.has(d.idem)) answers.set(d.idem, answer(d));
      return answers.get(d.idem)!;
    };
    for (;;) {
      await settle(plugins, sim);
      try {
        sim.drive(once, opts);
      } catch (e) {
        if (e !== AWAITING) throw e;
      }
      if (!sim.open) return sim;
    }
  }

  return {
    plugins,
    bind,
    async start(wf, input = {}, options = {}) {
      const sim = new PluginSim();
      sim.start(wf, input, { ...options, pattern: await bind(wf) });
      await settle(plugins, sim);
      return sim;
    },
    drive,
    async complete(sim, key, output) {
      sim.complete(key, output);
      await settle(plugins, sim);
      return sim;
    },
    async recover(journal, now) {
      const sim = new PluginSim();
      sim.journal.push(...journal);
      sim.state = fold(journal);
      sim.now = now;
      sim.perform(resumeCommands(sim.state));
      await settle(plugins, sim);
      return sim;
    },
    async close() {
      await runner.close();
      cleanup?.();
    },
  };
}

/** Builds the built-in plugins (plugins/<name>) into a temp folder and returns the harness over them. */
export async function builtinHarness(...names: string[]): Promise<PluginHarness> {
  const out = mkdtempSync(join(tmpdir(), 'baton-builtin-plugins-'));
  for (const name of names) {
    await (buildPlugin as (dir: string, out: string) => Promise<string>)(join(ROOT, 'plugins', name), out);
  }
  return pluginHarness(out, () => rmSync(out, { recursive: true, force: true }));
}

/** The plugin binding a run started with. */
export const bindingOf = (journal: readonly JournalEntry[]): PatternBinding | undefined =>
  (journal[0] as RunStarted).options.pattern;
