// Schedules, pure: timing (cron or interval), the schedule's spec and its check, the scheduler's decision
// over due fires, and the state a schedule keeps. src/runtime/scheduler.ts does the I/O around them.

export * from './fires.js';
export * from './spec.js';
export * from './state.js';
export * from './timing.js';
