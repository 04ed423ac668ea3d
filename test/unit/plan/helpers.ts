// Builders for plan tests: workflows from small objects (through the real zod schema), validated
// without a source file, so tests assert codes and document paths (the corpus test checks line:col).
import { NO_SOURCE, type Diagnostic } from '../../../src/spec/diagnostic.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { validateWorkflow, type ValidateOptions } from '../../../src/plan/validate.js';

type Input = Record<string, unknown>;

/** A workflow with agents `a` (capabilities x, y) and `b` (capability z) unless `agents` is given. */
export function workflow(tasks: Input[], extra: Input = {}): WorkflowSpec {
  return Workflow.parse({
    name: 'test',
    version: 1,
    agents: { a: { type: 'worker', capabilities: ['x', 'y'] }, b: { type: 'critic', capabilities: ['z'] } },
    tasks,
    ...extra,
  });
}

/** Tasks t0 <- t1 <- ... (each depends on the previous), all run by agent a. */
export const chain = (n: number): Input[] =>
  Array.from({ length: n }, (_, i) => ({ id: `t${i}`, agent: 'a', depends_on: i > 0 ? [`t${i - 1}`] : [] }));

export function validate(tasks: Input[], extra: Input = {}, opts: ValidateOptions = {}): Diagnostic[] {
  return validateWorkflow(workflow(tasks, extra), NO_SOURCE, opts);
}

/** Code and document path of each diagnostic: what a rule test asserts. */
export const found = (ds: readonly Diagnostic[]) => ds.map((d) => [d.code, d.path.join('.')]);
