// @baton/sdk: a typed client for Baton's gRPC control plane. The message types and enums are the
// ones generated from proto/baton/v1 (plain objects: Timestamps as Date, Structs as JSON objects).

export { createClient } from './client.js';
export type {
  AgentsClient,
  BatonClient,
  ClientOptions,
  HooksClient,
  PluginsClient,
  Req,
  RunsClient,
  SchedulesClient,
  WorkflowsClient,
} from './client.js';
export type { CallOptions } from './transport.js';
export type { RetryOptions } from './retry.js';
export { FINAL_EVENT_TYPES, type WatchOptions } from './watch.js';
export {
  AbortedError,
  AlreadyExistsError,
  BatonError,
  CancelledError,
  DeadlineExceededError,
  decodeError,
  ERROR_DETAIL_KEY,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  readErrorDetail,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
  type BatonErrorInit,
  type ErrorCategory,
} from './errors.js';
export { ErrorDetail } from './gen/baton/v1/errors.js';
export * from './gen/baton/v1/common.js';
export {
  AgentRunStatus,
  RunStatus,
  type AgentStatus,
  type AgentSwap,
  type GetRunHistoryRequest,
  type GetRunHistoryResponse,
  type ListRunsRequest,
  type ListRunsResponse,
  type DeleteRunRequest,
  type ModifyRunRequest,
  type ModifyRunResponse,
  type PerformanceMetrics,
  type Run,
  type RunEvent,
  type RunModification,
  type InputWait,
  type ProvideInputRequest,
  type ProvideInputResponse,
  type SignalRunRequest,
  type SignalRunResponse,
  type StartRunRequest,
  type WorkflowPin,
} from './gen/baton/v1/run.js';
export type {
  DeleteWorkflowRequest,
  DeleteWorkflowResponse,
  GetWorkflowRequest,
  ListWorkflowsRequest,
  ListWorkflowsResponse,
  PlanWorkflowRequest,
  PlanWorkflowResponse,
  RegisterWorkflowRequest,
  RegisterWorkflowResponse,
  ValidateWorkflowRequest,
  ValidateWorkflowResponse,
  Workflow,
  WorkflowRef,
} from './gen/baton/v1/workflow.js';
export type {
  DeletePluginRequest,
  GetPluginRequest,
  ListPluginsRequest,
  ListPluginsResponse,
  ListPluginVersionsRequest,
  ListPluginVersionsResponse,
  Plugin,
  PluginRef,
  UploadPluginRequest,
  UploadPluginResponse,
} from './gen/baton/v1/plugin.js';
export {
  OverlapPolicy,
  type CreateScheduleRequest,
  type ListSchedulesRequest,
  type ListSchedulesResponse,
  type Schedule,
  type ScheduleAction,
  type ScheduledRun,
  type ScheduleInfo,
  type ScheduleSpec,
} from './gen/baton/v1/schedule.js';
export type {
  CreateHookRequest,
  Hook,
  HookExecution,
  HookMatcher,
  ListHookExecutionsRequest,
  ListHookExecutionsResponse,
  TestHookRequest,
  TestHookResponse,
} from './gen/baton/v1/hook.js';
export {
  AssignmentState,
  MessageRole,
  WorkRequest,
  WorkResponse,
  type Agent,
  type AgentMessage,
  type Assignment,
  type AssignmentFailure,
  type AssignmentResult,
  type Heartbeat,
  type InputProvided,
  type InputRequest,
  type ListAgentsRequest,
  type ListAgentsResponse,
  type MessagePart,
  type Progress,
  type Revocation,
  type StatusEvent,
  type WorkerHello,
  type WorkerWelcome,
} from './gen/baton/v1/agent.js';
export { createWorker } from './worker.js';
export type { Worker, WorkerOptions } from './worker-options.js';
export type { WorkerEvent, FailureReport } from './worker-events.js';
export type { ResultCacheOptions } from './worker-results.js';
export type { ToolKind } from './worker-tools.js';
export {
  TaskAbortedError,
  TaskFailure,
  type Task,
  type TaskFailureCode,
  type TaskFailureInit,
  type TaskHandler,
  type TaskOutputs,
  type TaskState,
} from './worker-task.js';
