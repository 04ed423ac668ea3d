// The pure engine core: journal entries, the state they fold into, and decide(), the scheduler.
// The runtime (src/runtime) appends entries, applies them, and performs the commands decide returns.

export * from './entries.js';
export type * from './commands.js';
export { apply, fold } from './fold.js';
export { decide } from './decide.js';
export { resumeCommands } from './resume.js';
export { hookRecord, hookSubject, hasBlockingHooks, sessionEndDue, toolSubject } from './hooks.js';
export { pendingTimers, type PendingTimer } from './timers.js';
export { statusOf, waitsOf, type EventWait, type WorkflowStatusView } from './status.js';
export {
  inputTarget,
  pendingAnswer,
  waitingForInput,
  type InputTarget,
  type WaitingForInput,
} from './remote-tasks.js';
export { checkModification, type ModifyCheck, type ModifyProblem } from './modify-check.js';
export {
  parsePatternConfig,
  patternFor,
  registerPattern,
  type OrchestrationPattern,
  type PatternSetup,
  type PatternTrigger,
  type PatternVerdict,
} from './patterns/index.js';
export { checkVerdict, DEFAULT_MAX_PATTERN_STEPS } from './patterns/judge.js';
export { awaitedVerdict } from './patterns/rounds.js';
export { buildContext, type RunContext } from './context.js';
export { DEFAULT_RETRY, backoffMs, retryPolicy, shouldRetry, type RetryPolicy } from './retry.js';
export {
  attemptKey,
  delegateKey,
  parseKey,
  roundKey,
  parseTimerId,
  timerId,
  unitKey,
  type ParsedKey,
  type TimerRef,
} from './keys.js';
export {
  initialState,
  isActive,
  restore,
  snapshot,
  SNAPSHOT_VERSION,
  type FanState,
  type HookRecord,
  type InputRequest,
  type Metrics,
  type ModificationRecord,
  type RunSnapshot,
  type RunState,
  type RunStatus,
  type SagaState,
  type TaskState,
  type TaskStatus,
  type UnitState,
  type UnitStatus,
} from './state.js';
