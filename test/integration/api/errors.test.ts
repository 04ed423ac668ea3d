// The API boundary's error mapping: every error a handler throws reaches the client as a real
// status with a typed ErrorDetail, never as UNKNOWN.

import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CAPS, readErrorDetail, toServiceError } from '../../../src/api/errors.js';
import { BatonError } from '../../../src/errors/registry.js';

describe('toServiceError', () => {
  it("keeps a BatonError's registry status and says whether a retry may help", () => {
    const err = toServiceError(new BatonError('BATON_E_STORE_UNAVAILABLE', 'database is locked'));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(readErrorDetail(err.metadata!)).toMatchObject({
      code: 'BATON_E_STORE_UNAVAILABLE',
      message: 'database is locked',
      retryable: true,
    });
  });

  it('carries the field and source place of an ApiError', () => {
    const err = toServiceError(
      new ApiError('BATON_E_CYCLE', 'a -> b -> a', {
        fieldPath: 'workflow.tasks.1',
        line: 9,
        column: 7,
        hint: 'drop one',
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('BATON_E_CYCLE: workflow.tasks.1: a -> b -> a');
    expect(readErrorDetail(err.metadata!)).toMatchObject({
      fieldPath: 'workflow.tasks.1',
      line: 9,
      column: 7,
      hint: 'drop one',
    });
  });

  it('keeps what an error carries small enough for HTTP/2 trailers, however large its parts', () => {
    const huge = 'x'.repeat(1_000_000);
    const err = toServiceError(
      new ApiError('BATON_E_MODIFY_INVALID', huge, {
        fieldPath: huge,
        hint: huge,
        violations: Array.from({ length: 5000 }, (_, i) => ({
          fieldPath: `modifications.${i}`,
          code: 'BATON_E_UNKNOWN_AGENT',
          message: huge,
          subject: huge,
        })),
      }),
    );
    const detail = readErrorDetail(err.metadata!)!;
    const [bytes] = err.metadata!.get('baton-error-bin') as Buffer[];
    expect(bytes!.length).toBeLessThanOrEqual(ERROR_CAPS.detailBytes);
    expect(err.details!.length).toBeLessThan(ERROR_CAPS.message + ERROR_CAPS.fieldPath + 64);
    expect(detail.violations.length).toBeGreaterThan(0);
    expect(detail.message).toMatch(/\((\d+) more violations left out\)$/);
    const left = Number(/\((\d+) more/.exec(detail.message)![1]);
    expect(left + detail.violations.length).toBe(5000);
  });

  it('turns an error Baton does not know into INTERNAL, not UNKNOWN', () => {
    for (const thrown of [new TypeError('x is undefined'), 'a string']) {
      const err = toServiceError(thrown);
      expect(err.code).toBe(status.INTERNAL);
      expect(readErrorDetail(err.metadata!)?.code).toBe('BATON_E_INTERNAL');
    }
  });
});
