// The API boundary's error mapping: every error a handler throws reaches the client as a real
// status with a typed ErrorDetail, never as UNKNOWN.

import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ApiError, readErrorDetail, toServiceError } from '../../../src/api/errors.js';
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

  it('turns an error Baton does not know into INTERNAL, not UNKNOWN', () => {
    for (const thrown of [new TypeError('x is undefined'), 'a string']) {
      const err = toServiceError(thrown);
      expect(err.code).toBe(status.INTERNAL);
      expect(readErrorDetail(err.metadata!)?.code).toBe('BATON_E_INTERNAL');
    }
  });
});
