// The repository's docs stand on their own: a user of the repository has no ../shared design notes or
// "the specification" to follow a pointer to, so what they need is in docs/ (specification-notes.md).
// And what the docs say a user must do matches what Baton needs now.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../e2e/cli-helpers.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const inDir = (dir: string, ext: string) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));

const USER_FACING = [
  'README.md',
  'sdk/README.md',
  ...inDir('docs', '.md'),
  ...inDir('examples', '.yaml'),
  ...inDir('proto', '.proto'),
];

describe("the repository's docs", () => {
  it.each(USER_FACING)('%s points to nothing a user of the repository does not have', (path) => {
    const text = read(path);
    for (const outside of [
      /\.\.\/shared/,
      /\/work\/shared/,
      /\b(DESIGN|SPEC|STYLE|TOOLCHAIN|DEVELOPERS)\.md\b/,
      /\bthe specification\b/i,
      /\bspecification's\b/i,
    ])
      expect(text, `${path} mentions ${outside}`).not.toMatch(outside);
  });

  it('explain the shapes the status response and the execution request take', () => {
    const notes = read('docs/specification-notes.md');
    for (const field of [
      'workflow_id',
      'run_id',
      'current_phase',
      'tasks_completed',
      'coordination_overhead',
      'input_data',
      'execution_options',
      'waits',
    ])
      expect(notes).toContain(field);
  });

  it("list the workflow-level inputs key in the language's key table", () => {
    const table = read('docs/workflow-language.md').split('## Workflow keys')[1]!.split('\n## ')[0]!;
    expect(table).toMatch(/^\| `inputs` \| .*`type`.*`required`.*`default`/m);
  });

  it('tell nobody to copy a built-in pattern plugin into the data directory', () => {
    for (const path of inDir('examples/patterns', '.yaml')) {
      const header = read(path).split('\nworkflow:')[0]!;
      expect(header, path).not.toMatch(/cp -r dist\/plugins|must be installed/);
    }
  });

  it("describe StartRun's workflow_source as the registry now is", () => {
    const proto = read('proto/baton/v1/run.proto');
    const comment = /((?:\s*\/\/.*\n)+)\s*string workflow_source = 6;/.exec(proto)![1]!;
    expect(comment).not.toMatch(/Until the workflow registry/);
    expect(comment).toMatch(/workflow_id names a registered workflow/);
  });
});
