// SPEC.md's execution request (presets become policies, quantities are normalised) and the
// constraints-file reader in its three accepted shapes, with located diagnostics.

import { describe, expect, it } from 'vitest';
import { ExecutionRequest, RETRY_PRESETS, parseResourceConstraints } from '../../../src/spec/execution.js';

describe('ExecutionRequest', () => {
  it('parses the example of SPEC.md, normalising timeout, CPU and memory', () => {
    const r = ExecutionRequest.parse({
      workflow_id: 'research_and_analysis',
      input_data: { topic: 'batteries' },
      execution_options: {
        timeout: 3600,
        retry_policy: 'exponential_backoff',
        resource_constraints: { max_agents: 10, max_cpu: '4 cores', max_memory: '8GB' },
      },
    });
    expect(r).toEqual({
      workflow_id: 'research_and_analysis',
      input_data: { topic: 'batteries' },
      execution_options: {
        timeout: 3_600_000,
        retry_policy: RETRY_PRESETS.exponential_backoff,
        resource_constraints: { max_agents: 10, max_cpu: 4000, max_memory: 8e9 },
      },
    });
  });

  it('turns each preset into its policy and keeps an explicit policy', () => {
    const policy = (retry_policy: unknown) =>
      ExecutionRequest.parse({ workflow_id: 'w', execution_options: { retry_policy } }).execution_options
        .retry_policy;
    expect(policy('none')).toEqual({ max_attempts: 1 });
    expect(policy('fixed')).toMatchObject({ backoff_coefficient: 1 });
    expect(policy({ max_attempts: 7, initial_interval: '2s' })).toEqual({
      max_attempts: 7,
      initial_interval: 2000,
    });
    expect(
      ExecutionRequest.safeParse({ workflow_id: 'w', execution_options: { retry_policy: 'forever' } })
        .success,
    ).toBe(false);
  });

  it('defaults input data and options, and requires a workflow id', () => {
    expect(ExecutionRequest.parse({ workflow_id: 'w' })).toEqual({
      workflow_id: 'w',
      input_data: {},
      execution_options: {},
    });
    expect(ExecutionRequest.safeParse({ input_data: {} }).success).toBe(false);
    expect(ExecutionRequest.safeParse({ workflow_id: 'w', extra: 1 }).success).toBe(false);
  });
});

describe('parseResourceConstraints', () => {
  const expected = { max_agents: 10, max_cpu: 4000, max_memory: 8e9 };

  it('reads bare constraints, constraints under resource_constraints, or a whole execution request', () => {
    expect(parseResourceConstraints('max_agents: 10\nmax_cpu: 4 cores\nmax_memory: 8GB\n')).toMatchObject({
      ok: true,
      value: expected,
    });
    expect(
      parseResourceConstraints('resource_constraints: { max_agents: 10, max_cpu: 4, max_memory: 8GB }\n'),
    ).toMatchObject({ ok: true, value: expected });
    const request = JSON.stringify({
      workflow_id: 'w',
      execution_options: { resource_constraints: { max_agents: 10, max_cpu: '4 cores', max_memory: '8GB' } },
    });
    expect(parseResourceConstraints(request)).toMatchObject({ ok: true, value: expected });
    expect(parseResourceConstraints('{ "workflow_id": "w" }')).toMatchObject({ ok: true, value: {} });
  });

  it('locates a bad value and suggests a misspelt key', () => {
    expect(parseResourceConstraints('max_agents: 10\nmax_cpu: plenty\n')).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_INVALID_VALUE', line: 2, col: 10, path: ['max_cpu'] }],
    });
    expect(parseResourceConstraints('max_agent: 10\n')).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_UNKNOWN_KEY', line: 1, col: 1, hint: 'did you mean "max_agents"?' }],
    });
    expect(
      parseResourceConstraints(
        '{"workflow_id": "w", "execution_options": {"resource_constraints": {"max_memory": -1}}}',
      ),
    ).toMatchObject({
      ok: false,
      diagnostics: [
        { code: 'BATON_E_INVALID_VALUE', path: ['execution_options', 'resource_constraints', 'max_memory'] },
      ],
    });
  });

  it('shares the limits of workflow files', () => {
    expect(parseResourceConstraints('max_agents: 1\n', { maxBytes: 4 })).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_FILE_TOO_LARGE' }],
    });
  });
});
