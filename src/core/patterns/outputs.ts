// The verdict that fails a run with a coded, explained error (the step bound, an unknown task named).

import type { ErrorCode } from '../../errors/registry.js';
import type { PatternDecision } from '../entries.js';

/** The verdict that fails the run; the message starts with the task round it is about. */
export const failure = (code: ErrorCode, key: string, message: string): PatternDecision => ({
  op: 'fail',
  error: { code, message: `${key}: ${message}` },
});
