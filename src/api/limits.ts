// The one table of request limits the gRPC edge enforces before any handler runs (request-edge.ts):
// the size of a request message, the longest value of every string and bytes field and the most items
// of every repeated field of every request message, how deep a JSON value may nest, and how many bytes
// of large requests may be handled at once. docs/api-limits.md is generated from this file
// (`npm run docs:limits`); a test fails when a request field has no limit or the page is stale.

/** A workflow source may be 16 MiB (the loader's limit); the transport leaves room for the rest. */
export const MAX_MESSAGE_BYTES = 17 * 1024 * 1024;

/** How deep a JSON value (google.protobuf.Struct / Value) may nest: the workflow language's limit. */
export const MAX_JSON_DEPTH = 64;

/** A request larger than this counts against the budget below while its call is handled. */
export const LARGE_REQUEST_BYTES = 1024 * 1024;

/** Bytes of large requests handled at once; one more is RESOURCE_EXHAUSTED (BATON_E_SERVER_BUSY). */
export const LARGE_REQUEST_BUDGET_BYTES = 64 * 1024 * 1024;

export interface FieldLimit {
  /** Longest value of a string (UTF-8 bytes) or bytes field; for a repeated field, of each item. */
  readonly bytes?: number;
  /** Most items of a repeated field. */
  readonly items?: number;
  /** What the field holds, for the documentation. */
  readonly kind: string;
  /**
   * Checked by the service rather than at the edge, with an error of its own (the workflow loader's
   * BATON_E_FILE_TOO_LARGE, the plugin service's BATON_E_PLUGIN_TOO_LARGE); the edge checks only the
   * message size.
   */
  readonly checkedBy?: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

const id = (kind = 'id or name'): FieldLimit => ({ bytes: 256, kind });
const ids = (items: number, kind = 'ids'): FieldLimit => ({ bytes: 256, items, kind });
const quantity: FieldLimit = { bytes: 64, kind: 'Kubernetes quantity' };
const cursor: FieldLimit = { bytes: 64, kind: 'cursor' };
const pageToken: FieldLimit = { bytes: 2 * KiB, kind: 'page token' };
const reason: FieldLimit = { bytes: 4 * KiB, kind: 'free text' };
const taskYaml: FieldLimit = { bytes: 1 * MiB, kind: 'task YAML' };
const source: FieldLimit = {
  bytes: 16 * MiB,
  kind: 'workflow YAML',
  checkedBy: 'the workflow loader (BATON_E_FILE_TOO_LARGE)',
};

/**
 * Every string, bytes and repeated field of every request message (the messages RPCs take, and the
 * messages inside them), by full protobuf name. Numbers need no entry: the edge refuses a value out of
 * its type's range (a uint64 above 2^53, which JavaScript cannot hold exactly, included).
 */
export const FIELD_LIMITS: Readonly<Record<string, FieldLimit>> = {
  // WorkflowService
  'baton.v1.ValidateWorkflowRequest.source': source,
  'baton.v1.PlanWorkflowRequest.source': source,
  'baton.v1.RegisterWorkflowRequest.source': source,
  'baton.v1.WorkflowRef.name': id(),
  'baton.v1.WorkflowRef.version': id('version'),
  'baton.v1.ListWorkflowsRequest.name': id(),
  'baton.v1.ListWorkflowsRequest.page_token': pageToken,
  'baton.v1.ResourceConstraints.max_cpu': quantity,
  'baton.v1.ResourceConstraints.max_memory': quantity,
  // RunService
  'baton.v1.StartRunRequest.workflow_id': id('name or name@version'),
  'baton.v1.StartRunRequest.workflow_version': id('version'),
  'baton.v1.StartRunRequest.request_id': id('idempotency key'),
  'baton.v1.StartRunRequest.workflow_source': source,
  'baton.v1.RetryPolicy.non_retryable_errors': ids(256, 'error codes'),
  'baton.v1.GetRunRequest.run_id': id('run id'),
  'baton.v1.DeleteRunRequest.run_id': id('run id'),
  'baton.v1.ListRunsRequest.workflow_name': id(),
  'baton.v1.ListRunsRequest.statuses': { items: 16, kind: 'run statuses' },
  'baton.v1.ListRunsRequest.page_token': pageToken,
  'baton.v1.WatchRunRequest.run_id': id('run id'),
  'baton.v1.WatchRunRequest.after_cursor': cursor,
  'baton.v1.PauseRunRequest.run_id': id('run id'),
  'baton.v1.PauseRunRequest.reason': reason,
  'baton.v1.ResumeRunRequest.run_id': id('run id'),
  'baton.v1.ResumeRunRequest.reason': reason,
  'baton.v1.CancelRunRequest.run_id': id('run id'),
  'baton.v1.CancelRunRequest.reason': reason,
  'baton.v1.SignalRunRequest.run_id': id('run id'),
  'baton.v1.SignalRunRequest.channel': id('channel name'),
  'baton.v1.SignalRunRequest.event': id('event name'),
  'baton.v1.SignalRunRequest.event_id': id('idempotency key'),
  'baton.v1.ProvideInputRequest.run_id': id('run id'),
  'baton.v1.ProvideInputRequest.task_id': id('task key'),
  'baton.v1.ProvideInputRequest.request_id': id('idempotency key'),
  'baton.v1.ModifyRunRequest.run_id': id('run id'),
  'baton.v1.ModifyRunRequest.modifications': { items: 1000, kind: 'changes' },
  'baton.v1.ModifyRunRequest.reason': reason,
  'baton.v1.RunModification.add_task': taskYaml,
  'baton.v1.RunModification.remove_task': id('task id'),
  'baton.v1.RunModification.replace_task': taskYaml,
  'baton.v1.AgentSwap.task_id': id('task id'),
  'baton.v1.AgentSwap.agent_id': id('agent id'),
  'baton.v1.GetRunHistoryRequest.run_id': id('run id'),
  'baton.v1.GetRunHistoryRequest.after_cursor': cursor,
  // AgentService
  'baton.v1.Agent.agent_id': id('agent id'),
  'baton.v1.Agent.type': id('agent type'),
  'baton.v1.Agent.capabilities': ids(256, 'capabilities'),
  'baton.v1.Agent.cpu': quantity,
  'baton.v1.Agent.memory': quantity,
  'baton.v1.ListAgentsRequest.capabilities': ids(256, 'capabilities'),
  'baton.v1.ListAgentsRequest.page_token': pageToken,
  'baton.v1.DeregisterAgentRequest.agent_id': id('agent id'),
  // AgentService.Work: what a worker sends
  'baton.v1.WorkerHello.worker_id': id('worker id'),
  'baton.v1.WorkerHello.agent_ids': ids(1024, 'agent ids and queue names'),
  'baton.v1.WorkerHello.capabilities': ids(256, 'capabilities'),
  'baton.v1.HeldWork.assignments': { items: 10_000, kind: 'assignments a restarted worker holds' },
  'baton.v1.HeldAssignment.lease_id': id('lease id'),
  'baton.v1.HeldAssignment.message_id': { bytes: 1024, kind: 'message id (idempotency key)' },
  // A heartbeat lists every lease the worker holds: up to its capacity (at most 10,000).
  'baton.v1.Heartbeat.lease_ids': ids(10_000, 'lease ids'),
  'baton.v1.Progress.lease_id': id('lease id'),
  'baton.v1.Progress.message': reason,
  'baton.v1.StatusEvent.lease_id': id('lease id'),
  'baton.v1.InputRequest.lease_id': id('lease id'),
  'baton.v1.InputRequest.question': reason,
  'baton.v1.ToolCall.lease_id': id('lease id'),
  'baton.v1.ToolCall.kind': id('tool kind'),
  'baton.v1.ToolResult.lease_id': id('lease id'),
  'baton.v1.AgentMessage.message_id': id('message id'),
  'baton.v1.AgentMessage.parts': { items: 256, kind: 'message parts' },
  'baton.v1.AgentMessage.context_id': id('run id'),
  'baton.v1.AgentMessage.task_id': id('task id'),
  'baton.v1.MessagePart.text': { bytes: 1 * MiB, kind: 'message text' },
  'baton.v1.FileRef.uri': { bytes: 8 * KiB, kind: 'URI' },
  'baton.v1.FileRef.name': { bytes: 1 * KiB, kind: 'file name' },
  'baton.v1.FileRef.mime_type': { bytes: 256, kind: 'media type' },
  'baton.v1.AssignmentResult.lease_id': id('lease id'),
  'baton.v1.AssignmentResult.message_id': { bytes: 1024, kind: 'message id (idempotency key)' },
  'baton.v1.AssignmentFailure.code': id('error code'),
  'baton.v1.AssignmentFailure.message': { bytes: 64 * KiB, kind: 'free text' },
  // PluginService
  'baton.v1.UploadPluginRequest.manifest_json': { bytes: 64 * KiB, kind: 'manifest JSON' },
  'baton.v1.UploadPluginRequest.wasm': {
    bytes: 16 * MiB,
    kind: 'WebAssembly module',
    checkedBy:
      'the plugin service (BATON_E_PLUGIN_TOO_LARGE, RESOURCE_EXHAUSTED; `baton serve` may lower it)',
  },
  'baton.v1.ListPluginsRequest.kind': { bytes: 16, kind: 'plugin kind' },
  'baton.v1.ListPluginsRequest.page_token': pageToken,
  'baton.v1.PluginRef.name': id('plugin name'),
  'baton.v1.PluginRef.version': id('version'),
  'baton.v1.ListPluginVersionsRequest.name': id('plugin name'),
  // HookService
  'baton.v1.Hook.hook_id': id('hook id (uuid; ignored)'),
  'baton.v1.Hook.name': id('hook name'),
  'baton.v1.Hook.trigger': { bytes: 32, kind: 'hook trigger' },
  'baton.v1.Hook.command': { bytes: 8 * KiB, kind: 'program, URL or plugin name@version' },
  'baton.v1.Hook.args': { bytes: 8 * KiB, items: 256, kind: 'arguments' },
  'baton.v1.Hook.kind': { bytes: 16, kind: 'hook kind' },
  'baton.v1.Hook.mode': { bytes: 16, kind: 'hook mode' },
  'baton.v1.Hook.fail': { bytes: 16, kind: 'failure policy' },
  'baton.v1.HookMatcher.agent': id('glob'),
  'baton.v1.HookMatcher.task': id('glob'),
  'baton.v1.HookMatcher.tool': id('glob'),
  'baton.v1.ListHooksRequest.trigger': { bytes: 32, kind: 'hook trigger' },
  'baton.v1.GetHookRequest.name': id('hook name'),
  'baton.v1.DeleteHookRequest.name': id('hook name'),
  'baton.v1.TestHookRequest.name': id('hook name'),
  'baton.v1.TestHookRequest.task': id('task id'),
  'baton.v1.TestHookRequest.agent': id('agent id'),
  'baton.v1.TestHookRequest.tool': id('tool name'),
  'baton.v1.ListHookExecutionsRequest.run_id': id('run id'),
  'baton.v1.ListHookExecutionsRequest.hook': id('hook name'),
  'baton.v1.ListHookExecutionsRequest.page_token': pageToken,
  // grpc.health.v1
  'grpc.health.v1.HealthCheckRequest.service': id('service name'),
  // ScheduleService
  'baton.v1.CreateScheduleRequest.schedule_id': id('schedule id'),
  'baton.v1.CreateScheduleRequest.note': reason,
  'baton.v1.ScheduleSpec.cron': { bytes: 256, kind: 'cron expression' },
  'baton.v1.ScheduleSpec.timezone': { bytes: 64, kind: 'IANA timezone' },
  'baton.v1.ScheduleAction.workflow_id': id('workflow id (name or name@version)'),
  'baton.v1.ScheduleAction.workflow_source': source,
  'baton.v1.GetScheduleRequest.schedule_id': id('schedule id'),
  'baton.v1.ListSchedulesRequest.page_token': pageToken,
  'baton.v1.DeleteScheduleRequest.schedule_id': id('schedule id'),
  'baton.v1.PauseScheduleRequest.schedule_id': id('schedule id'),
  'baton.v1.PauseScheduleRequest.note': reason,
  'baton.v1.UnpauseScheduleRequest.schedule_id': id('schedule id'),
  'baton.v1.UnpauseScheduleRequest.note': reason,
  'baton.v1.TriggerScheduleRequest.schedule_id': id('schedule id'),
};

/** The limit of a field by full name; undefined for a field the table lacks (a test forbids that). */
export const fieldLimit = (fullName: string): FieldLimit | undefined => FIELD_LIMITS[fullName];
