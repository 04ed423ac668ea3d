// What the hosted patterns share when they read a task's output: the shape check for the fields they
// look for, and the verdict that fails the run with a coded, explained error.

import type { ErrorCode } from '../../errors/registry.js';
import type { PatternDecision } from '../entries.js';

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The verdict that fails the run; the message starts with the task round it is about. */
export const failure = (code: ErrorCode, key: string, message: string): PatternDecision => ({
  op: 'fail',
  error: { code, message: `${key}: ${message}` },
});
