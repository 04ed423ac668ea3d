// What a reused StartRun request_id is compared on (api/request-reuse.ts): the request asking for the
// latest version is still the same request after a newer version is registered; a pinned one is not.

import { describe, expect, it } from 'vitest';
import { startDifferences } from '../../../src/api/request-reuse.js';
import type { RunStarted } from '../../../src/core/entries.js';
import { checkWorkflowSource } from '../../../src/plan/index.js';
import type { WorkflowSpec } from '../../../src/spec/schema.js';

const spec = (version: string): WorkflowSpec => {
  const r = checkWorkflowSource(`workflow:
  name: keyed
  version: "${version}"
  agents: { w: { type: t } }
  inputs:
    topic: { description: what about }
  tasks:
    - { id: one, agent: w }
`);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.spec;
};

const first = {
  type: 'RunStarted',
  runId: 'run_1',
  namespace: 'default',
  workflow: spec('1'),
  input: { topic: 'a' },
  options: {},
  seed: 1,
} as unknown as RunStarted;

const plan = (version: string, input: Record<string, unknown>) => ({
  workflow: spec(version),
  input,
  options: {},
});

describe('startDifferences', () => {
  it('takes the latest version asked for by name as the same request, a pinned other version not', () => {
    expect(startDifferences(first, { plan: plan('2', { topic: 'a' }), versionPinned: false })).toEqual([]);
    expect(startDifferences(first, { plan: plan('2', { topic: 'a' }), versionPinned: true })).toEqual([
      'version (the run is of "1", the request asks for "2")',
    ]);
  });

  it('names an input the run’s workflow does not even take as a differing input', () => {
    expect(startDifferences(first, { plan: plan('1', { topc: 'a' }), versionPinned: true })).toEqual([
      'input',
    ]);
  });
});
