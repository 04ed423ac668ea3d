// The README's test command on a fresh machine: coverage is printed even when a test fails, and the
// Python interop tests say how to enable them instead of failing where their modules are missing.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import config from '../../../vitest.config.js';
import { ROOT } from '../../e2e/cli-helpers.js';
import { PYTHON_INTEROP_SETUP } from '../../integration/sdk/python-interop.js';

it('prints coverage whenever tests run, a failed run included', () => {
  expect(config.test?.coverage).toMatchObject({ reportOnFailure: true });
});

it('the README names the one command that enables the Python interop tests, and CI runs them', () => {
  expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(PYTHON_INTEROP_SETUP);
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
  expect(ci).toContain('python3-grpcio python3-grpc-tools');
  expect(ci).toMatch(/^export BATON_REQUIRE_PYTHON_INTEROP=1$/m);
});
