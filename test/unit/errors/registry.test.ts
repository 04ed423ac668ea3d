import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../../../src/errors/docs.js';
import { BatonError, ERRORS, GRPC_STATUS, isErrorCode } from '../../../src/errors/registry.js';

describe('error registry', () => {
  it('docs/errors.md is generated from the registry (run `npm run docs:errors` after adding a code)', () => {
    expect(readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorDocs());
  });

  it('every code is BATON_E_ + upper snake case and maps to a known gRPC status', () => {
    for (const [code, d] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^BATON_E_[A-Z0-9_]+$/);
      expect(GRPC_STATUS[d.grpc]).toBeTypeOf('number');
      expect(d.summary.length).toBeGreaterThan(10);
    }
  });

  it('a BatonError exposes its code, gRPC status and retryability without parsing its message', () => {
    const e = new BatonError('BATON_E_QUOTA_CPU', 'needs 6 cores; max_cpu is 4');
    expect(e.code).toBe('BATON_E_QUOTA_CPU');
    expect(e.grpcStatus).toBe(8);
    expect(e.retryable).toBe(false);
    expect(isErrorCode('BATON_E_CYCLE')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});
