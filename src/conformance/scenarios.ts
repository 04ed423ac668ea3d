// The scenarios a plugin author gives the conformance suite as a file beside manifest.json
// (conformance.yaml or conformance.json), for `baton plugin test`: a workflow, and for each of the
// scripted, adversarial and failing runs the agents' scripted answers (docs/writing-a-pattern.md).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { TerminalError, type AgentHandler } from '../agents/handler.js';
import { BatonError } from '../errors/registry.js';
import type { PatternUnderTest, Scenario } from './types.js';

/** The names the suite looks for beside manifest.json (or in a plugin's source folder), in order. */
export const SCENARIO_FILES = ['conformance.yaml', 'conformance.yml', 'conformance.json'] as const;

/**
 * How one agent answers every task it gets: `reply` the same output each time; `replies` the n-th
 * output on its n-th task, then (`then`) the last one again (`repeat`, the default) or its input
 * (`echo`); `fail` a message it fails with for good.
 * An agent the scenario does not name echoes its input.
 */
const AgentScript = z.union([
  z.strictObject({ reply: z.unknown() }),
  z.strictObject({
    replies: z.array(z.unknown()).min(1),
    then: z.enum(['repeat', 'echo']).default('repeat'),
  }),
  z.strictObject({ fail: z.string().min(1) }),
]);

/** A workflow: a path to a YAML/JSON file (relative to the scenarios file) or the workflow inline. */
const WorkflowRef = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

const ScenarioFields = {
  workflow: WorkflowRef.optional(),
  input: z.unknown().optional(),
  agents: z.record(z.string(), AgentScript).default({}),
};

const ScenarioFile = z.strictObject({
  /** The default workflow of the three runs. */
  workflow: WorkflowRef.optional(),
  scripted: z.strictObject(ScenarioFields),
  adversarial: z.strictObject({ ...ScenarioFields, max_steps: z.int().min(0) }),
  failing: z.strictObject({
    ...ScenarioFields,
    expect: z.strictObject({
      status: z.enum(['completed', 'failed']),
      code: z.string().min(1).optional(),
    }),
  }),
});
type ScenarioFile = z.infer<typeof ScenarioFile>;

/** The scenarios file in `dir`, if there is one. */
export function findScenarios(dir: string): string | undefined {
  return SCENARIO_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

const bad = (file: string, message: string) =>
  new BatonError('BATON_E_CONFORMANCE_SCENARIOS', `${file}: ${message}`);

/** The handler that plays one scripted agent (a fresh one per run: `replies` counts its tasks). */
function play(script: z.infer<typeof AgentScript>): AgentHandler {
  if ('fail' in script) {
    return () => {
      throw new TerminalError(script.fail);
    };
  }
  if ('reply' in script) return () => script.reply;
  let n = 0;
  const { replies, then } = script;
  return ({ input }) => {
    const k = n++;
    if (k < replies.length) return replies[k];
    return then === 'echo' ? input : replies[replies.length - 1];
  };
}

/**
 * Reads the scenarios file `file` into what runConformance takes, for the built plugin `manifest`.
 * @throws BatonError BATON_E_CONFORMANCE_SCENARIOS naming the file and what is wrong with it.
 */
export function loadScenarios(file: string, manifest: string): PatternUnderTest {
  const path = resolve(file);
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = path.endsWith('.json') ? JSON.parse(text) : load(text);
  } catch (e) {
    throw bad(path, `cannot be read as ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  const parsed = ScenarioFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.join('.') : '(the file)';
    throw bad(path, `${at}: ${issue.message}`);
  }
  const f: ScenarioFile = parsed.data;
  const workflowOf = (name: string, w: ScenarioFile['workflow']): Scenario['workflow'] => {
    const ref = w ?? f.workflow;
    if (ref === undefined) throw bad(path, `${name}.workflow: missing (and no top-level workflow is given)`);
    if (typeof ref !== 'string') return ref;
    const wf = resolve(dirname(path), ref);
    try {
      const text = readFileSync(wf, 'utf8');
      return wf.endsWith('.json') ? (JSON.parse(text) as Record<string, unknown>) : text;
    } catch (e) {
      throw bad(path, `${name}.workflow: ${wf} cannot be read (${(e as Error).message})`);
    }
  };
  const scenario = (name: string, s: ScenarioFile['scripted']): Scenario => ({
    workflow: workflowOf(name, s.workflow),
    ...(s.input === undefined ? {} : { input: s.input }),
    agents: Object.fromEntries(Object.entries(s.agents).map(([id, script]) => [id, play(script)])),
  });
  return {
    manifest,
    scripted: scenario('scripted', f.scripted),
    adversarial: { ...scenario('adversarial', f.adversarial), maxSteps: f.adversarial.max_steps },
    failing: {
      ...scenario('failing', f.failing),
      expect: {
        status: f.failing.expect.status,
        ...(f.failing.expect.code ? { code: f.failing.expect.code } : {}),
      },
    },
  };
}
