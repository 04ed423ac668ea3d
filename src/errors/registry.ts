// The one registry of Baton's error codes: stable code, meaning, gRPC status, and whether a retry can help.
// Every layer reports problems by these codes; docs/errors.md is generated from (and tested against) this table.

/** gRPC status names (numbers in GRPC_STATUS), kept here so pure layers need no gRPC import. */
export type GrpcStatusName =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'PERMISSION_DENIED'
  | 'ABORTED';

export const GRPC_STATUS: Readonly<Record<GrpcStatusName, number>> = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};

export interface ErrorDef {
  /** When this error is raised, in one sentence a user can act on. */
  readonly summary: string;
  readonly grpc: GrpcStatusName;
  /** A retry of the same request can succeed (the scheduler never parses messages to decide). */
  readonly retryable: boolean;
}

const def = (summary: string, grpc: GrpcStatusName = 'INVALID_ARGUMENT', retryable = false): ErrorDef => ({
  summary,
  grpc,
  retryable,
});

export const ERRORS = {
  // Reading a workflow file
  BATON_E_FILE_READ: def('The file could not be read (missing, a directory, or no permission).', 'NOT_FOUND'),
  BATON_E_FILE_TOO_LARGE: def('The file is larger than the configured maximum for a workflow definition.'),
  BATON_E_NOT_TEXT: def('The file is not UTF-8 text (binary data or a NUL byte was found).'),
  // YAML
  BATON_E_YAML_SYNTAX: def('The file is not well-formed YAML.'),
  BATON_E_YAML_DUPLICATE_KEY: def('A mapping has the same key twice.'),
  BATON_E_YAML_ALIAS_LIMIT: def('Anchors and aliases expand to more nodes than allowed (a YAML bomb).'),
  BATON_E_YAML_TOO_DEEP: def('The document nests deeper than allowed.'),
  BATON_E_YAML_MULTI_DOCUMENT: def('The file holds more than one YAML document; a workflow file holds one.'),
  // Shape (schema)
  BATON_E_UNKNOWN_KEY: def('A key that the workflow language does not define.'),
  BATON_E_MISSING_KEY: def('A required key is missing.'),
  BATON_E_WRONG_TYPE: def('A value has the wrong type (e.g. a string where a list is expected).'),
  BATON_E_INVALID_VALUE: def('A value has the right type but is not allowed (format, range or choice).'),
  BATON_E_CONFLICTING_KEYS: def('Two keys that cannot be used together, or a task with no way to run.'),
  // Graph and references
  BATON_E_DUPLICATE_TASK: def('Two tasks have the same id.'),
  BATON_E_UNKNOWN_AGENT: def('A task names an agent that the workflow does not declare.'),
  BATON_E_UNKNOWN_DEPENDENCY: def('depends_on names a task that does not exist.'),
  BATON_E_UNKNOWN_TASK: def(
    'A reference other than depends_on (e.g. the tasks list of a hook) names a task that does not exist.',
  ),
  BATON_E_SELF_DEPENDENCY: def('A task depends on itself.'),
  BATON_E_CYCLE: def('Dependencies form a cycle, so no task in it could ever start.'),
  BATON_E_UNREACHABLE_TASK: def('A task can never start: nothing it waits for can happen.'),
  BATON_E_UNKNOWN_CHANNEL: def('An event names a channel not declared in coordination.event_driven.'),
  BATON_E_FAN_OUT_SOURCE: def(
    'parallel: true has no list to fan out over (no for_each and not exactly one dependency).',
  ),
  // Expressions
  BATON_E_CEL_SYNTAX: def('A CEL expression does not compile.'),
  BATON_E_CEL_UNKNOWN_TASK: def('A CEL expression reads the output of a task that does not exist.'),
  BATON_E_CEL_NOT_UPSTREAM: def(
    'A CEL expression reads the output of a task that is not upstream, so it may not exist yet.',
  ),
  BATON_E_CEL_UNKNOWN_VARIABLE: def(
    'A CEL expression uses a variable that is not available where it is evaluated.',
  ),
  BATON_E_CEL_EVALUATION: def(
    'A CEL expression failed while running (a missing key, a wrong type, a division by zero).',
  ),
  // Agents and resources
  BATON_E_CAPABILITY_MISMATCH: def('A task requires a capability that its agent does not have.'),
  BATON_E_UNKNOWN_AGENT_TYPE: def('An agent type is not known to the supplied agent registry.'),
  BATON_E_QUOTA_AGENTS: def(
    'The plan needs more agents at once than resource_constraints.max_agents allows.',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_QUOTA_CPU: def(
    'The plan needs more CPU at once than resource_constraints.max_cpu allows.',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_QUOTA_MEMORY: def(
    'The plan needs more memory at once than resource_constraints.max_memory allows.',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_AGENT_TOO_LARGE: def(
    'One agent instance alone needs more than a resource quota allows, so no allocation fits.',
    'RESOURCE_EXHAUSTED',
  ),
  // Agents at run time (the engine retries by these flags, never by message text)
  BATON_E_AGENT_FAILED: def(
    'The agent failed while working on the task; a retry may succeed.',
    'ABORTED',
    true,
  ),
  BATON_E_AGENT_TIMEOUT: def('The agent did not finish before the task deadline.', 'DEADLINE_EXCEEDED', true),
  BATON_E_AGENT_REJECTED: def(
    'The agent refused the task or said a retry cannot help (e.g. a TerminalError).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_AGENT_UNAVAILABLE: def(
    'The agent could not be reached or loaded (module missing, endpoint down).',
    'UNAVAILABLE',
    true,
  ),
  BATON_E_AGENT_MODULE_NOT_FOUND: def(
    "An agent's `endpoint.module` names no file, so the run is refused before it starts; the message names the agent and the path looked at (relative paths resolve against the workflow file's folder, or a server's --agents-dir).",
  ),
  // Remote A2A agents (src/agents/a2a/)
  BATON_E_AGENT_CARD_INVALID: def(
    "A remote A2A agent's card could not be used: not found, not an agent card, or no interface Baton speaks (JSON-RPC or HTTP+JSON, protocol 1.0).",
    'FAILED_PRECONDITION',
  ),
  BATON_E_AGENT_CARD_UNREACHABLE: def(
    'The agent card of a remote A2A agent could not be fetched (network error, timeout or a 5xx): `validate --resolve-agents` could not check it.',
    'UNAVAILABLE',
    true,
  ),
  BATON_E_AGENT_CARD_MISMATCH: def(
    "A remote A2A agent's card does not offer what a task requires (a skill id or tag, an input or output media type).",
  ),
  BATON_E_A2A_AUTH_REQUIRED: def(
    'A remote A2A agent needs authentication Baton does not have: its card asks for a credential none is configured for, it refused the one sent (401/403), or a task asked for in-task authorization (auth-required).',
    'PERMISSION_DENIED',
  ),
  BATON_E_A2A_OUTPUT_TOO_LARGE: def(
    "A remote A2A agent's artifacts are larger than Baton keeps as a task output (see docs/a2a.md for the limit).",
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_A2A_CREDENTIALS: def(
    'The A2A credentials file (a2a_credentials, BATON_A2A_CREDENTIALS, --a2a-credentials) cannot be read or is not a map of credential names to secrets.',
  ),
  // Remote workers (src/agents/worker-*, AgentService)
  BATON_E_AGENT_EXISTS: def(
    'An agent with this id is already registered with a different definition: deregister it first or use another id.',
    'ALREADY_EXISTS',
  ),
  BATON_E_AGENT_NOT_REGISTERED: def('No agent with this id is registered with the server.', 'NOT_FOUND'),
  BATON_E_LEASE_UNKNOWN: def(
    "A worker named a lease the server never gave it (a typo, or another worker's lease).",
  ),
  BATON_E_TOOL_CALL_REFUSED: def(
    "A worker's tool call (ctx.tool) could not be put to its run's hooks: the assignment it belongs to has ended (its lease lapsed, was taken back, or its result is in). The tool is not run.",
    'FAILED_PRECONDITION',
  ),
  BATON_E_TOOL_CALL_TIMEOUT: def(
    "A worker's tool call (ctx.tool) on another server instance than its run's owner got no answer from the owner (the hooks' verdict, or the end of its post-hooks) within the task's timeout (10 minutes for a task without one). A call without a verdict is not run.",
    'DEADLINE_EXCEEDED',
  ),
  BATON_E_WORKER_TOO_SLOW: def(
    'A worker did not read its Work stream: the server ended it rather than hold more messages for it. Reconnect with the same worker_id (leases survive) and read what the server sends.',
    'RESOURCE_EXHAUSTED',
    true,
  ),
  BATON_E_WORKER_REPLACED: def(
    'A Work stream was closed because another stream connected with the same worker_id (the newer one keeps its leases).',
    'ABORTED',
  ),
  // The engine (src/core): outcomes it decides itself
  BATON_E_WAIT_TIMEOUT: def(
    "A task's wait_for event did not arrive before its timeout.",
    'DEADLINE_EXCEEDED',
  ),
  BATON_E_RUN_TIMEOUT: def(
    'The run did not finish within its timeout; running tasks were cancelled.',
    'DEADLINE_EXCEEDED',
  ),
  BATON_E_FAN_OUT_NOT_LIST: def(
    "A fan-out task's list (its for_each, or its dependency's output) was not a list when the task started.",
  ),
  BATON_E_JOURNAL_INVALID: def(
    "A journal entry cannot follow the run's history (no RunStarted first, seq out of order, unknown entry version).",
    'INTERNAL',
  ),
  // Orchestration patterns (src/core/patterns): decided when a run starts or a pattern judges an output
  BATON_E_PATTERN_UNKNOWN: def(
    "The workflow's orchestration_pattern is not registered with this engine (neither built in nor loaded as a plugin).",
    'FAILED_PRECONDITION',
  ),
  BATON_E_PATTERN_NOT_BUILT: def(
    "The workflow's orchestration_pattern is a built-in whose plugin was not built into dist/plugins: run `npm run build:plugins`.",
    'FAILED_PRECONDITION',
  ),
  BATON_E_PATTERN_CONFIG: def(
    'pattern_config is invalid, or the tasks are not shaped as the orchestration pattern needs (the message says which and why).',
  ),
  BATON_E_PATTERN_OUTPUT: def(
    "A task's output asks its orchestration pattern for something malformed (a delegate or handoff entry of the wrong shape).",
  ),
  BATON_E_HANDOFF_TARGET: def(
    'A handoff names an agent that is not declared or has no task (the first task of an agent is where a handoff to it runs).',
  ),
  BATON_E_HANDOFF_LIMIT: def(
    'The run handed off more times than pattern_config.max_handoffs allows (default 8).',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_PATTERN_EVENT: def(
    "A pattern's verdict publishes an event on a channel the workflow does not declare in coordination.event_driven (the message names the pattern, the channel and the task).",
  ),
  BATON_E_PATTERN_STEPS: def(
    "The run's orchestration pattern took more steps than the engine allows per run (max_pattern_steps, default 10,000): a pattern that never ends the run.",
    'RESOURCE_EXHAUSTED',
  ),
  // Hooks (docs/hooks.md)
  BATON_E_HOOK_DENIED: def(
    "A blocking hook denied what it guards (a run's start, a task attempt, a task's result, a tool call), or failed closed (crashed, timed out or answered nonsense under fail: closed); the message names the hook and its reason.",
    'FAILED_PRECONDITION',
  ),
  BATON_E_HOOK_INVALID: def(
    "A workflow's hooks: entry cannot run as written (two hooks with one name, a matcher field its trigger never has, an http hook whose command is not a URL, a wasm hook that is not name@version).",
  ),
  // The built-in pattern plugins (plugins/): a verdict that fails the run by the pattern's own rule
  BATON_E_PEER_FAILED: def(
    'A network peer failed for good (its retries spent) and pattern_config.on_peer_failure is "fail" (the default).',
  ),
  BATON_E_ROUTE_UNKNOWN: def(
    "The router's classifier answered a category that pattern_config.routes does not map, and no fallback is configured.",
  ),
  BATON_E_REFLECTION_ROUNDS: def(
    'The reflection critic did not approve within pattern_config.max_rounds, and on_exhausted is "fail".',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_SWARM_NO_RESULT: def(
    "No swarm member answered without an error, or a vote's winner has fewer votes than pattern_config.quorum.",
  ),
  BATON_E_MAP_CHUNK_FAILED: def(
    'A map_reduce chunk answered { error } and on_chunk_failure is "fail", or it failed again after max_retries.',
  ),
  BATON_E_MAGENTIC_ROUNDS: def(
    "The magentic planner's progress ledger was not satisfied within pattern_config.max_rounds planner turns.",
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_MAGENTIC_REPLANS: def(
    'The magentic run stalled max_stalls times in a row with no re-plan left (pattern_config.max_replans).',
    'RESOURCE_EXHAUSTED',
  ),
  BATON_E_MAGENTIC_PLANNER: def(
    "The magentic planner answered { error }: the pattern cannot go on without its planner's ledgers.",
  ),
  // WASM plugins (src/wasm): the loader's checklist, in order, then calls into a loaded plugin
  BATON_E_PLUGIN_MANIFEST: def(
    "A plugin's manifest is not valid (missing or malformed field, unknown key); the message names the field.",
  ),
  BATON_E_PLUGIN_NOT_FOUND: def(
    "A plugin's bytes are not where its manifest or the run's journal says (deleted or never built).",
    'NOT_FOUND',
  ),
  BATON_E_PLUGIN_HASH: def(
    "A plugin's bytes do not have the sha256 its manifest (or the run's journal) pins: changed or corrupted.",
    'FAILED_PRECONDITION',
  ),
  BATON_E_PLUGIN_ABI: def(
    'A plugin speaks an ABI version outside the range this host supports (its manifest range, marker export or baton_describe).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_PLUGIN_MEMORY: def(
    "A plugin's module declares no memory maximum (unbounded), or one above its manifest's or the host's limit.",
    'FAILED_PRECONDITION',
  ),
  BATON_E_PLUGIN_EXPORTS: def(
    'A plugin lacks an export its kind requires (e.g. pattern_step), or is not a valid WebAssembly module.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_PLUGIN_TIMEOUT: def(
    'A plugin call ran past its time limit; its worker was terminated and replaced (the message names plugin and export).',
    'DEADLINE_EXCEEDED',
  ),
  BATON_E_PLUGIN_TRAP: def(
    'A plugin call trapped, aborted, ran out of memory or returned a non-zero status (the message names plugin and export).',
    'INTERNAL',
  ),
  BATON_E_PLUGIN_OUTPUT: def(
    "A plugin returned output that is not JSON of the ABI's shape, or more bytes than the host accepts (the message names the field).",
    'INTERNAL',
  ),
  BATON_E_PLUGIN_CLOSED: def('A plugin host was used after it was closed.', 'FAILED_PRECONDITION'),
  BATON_E_PLUGIN_EXISTS: def(
    'A plugin name@version is already stored with other bytes: a version is immutable, bump it to store a change.',
    'ALREADY_EXISTS',
  ),
  BATON_E_PLUGIN_IN_USE: def(
    'A plugin version cannot be deleted while a run that has not ended is bound to it (cancel the run or wait for it to end).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_PLUGIN_BUILD: def(
    'Building a plugin from its AssemblyScript sources failed (the compiler messages follow), or its folder has no manifest.json / assembly/index.ts.',
  ),
  BATON_E_CONFORMANCE_SCENARIOS: def(
    "`baton plugin test` found no conformance.yaml (or .json) beside the plugin's manifest.json, or the file is not valid (the message names the file and the field).",
  ),
  BATON_E_PLUGIN_TOO_LARGE: def(
    "An uploaded plugin module is over the server's size limit (the message names both sizes).",
    'RESOURCE_EXHAUSTED',
  ),
  // The runtime (src/runtime)
  BATON_E_MISSING_INPUT: def('A run was started without an input the workflow declares as required.'),
  BATON_E_UNKNOWN_INPUT: def(
    'A run was given an input key the workflow does not declare under `inputs` (often a misspelling: the message suggests the declared key it is closest to).',
  ),
  BATON_E_UNKNOWN_WORKFLOW: def(
    'A task names a sub-workflow (name@version) that is not registered.',
    'NOT_FOUND',
  ),
  BATON_E_INVALID_SUBWORKFLOW: def(
    'A sub-workflow file a task runs is not a valid workflow (its problems are listed).',
  ),
  BATON_E_UNSUPPORTED_FEATURE: def(
    'The workflow uses a feature this engine cannot run yet (named in the message).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_AGENT_UNBOUND: def(
    'An agent has no endpoint and no adapter was registered for its type, so nothing can run its tasks.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_RUN_OWNED: def(
    'Another live process is driving this run; it was left alone (retry once that process stops).',
    'FAILED_PRECONDITION',
    true,
  ),
  BATON_E_RUN_OWNERSHIP_LOST: def(
    'This instance no longer owns the run (another instance took it over, a new fencing epoch): its write was refused and it stops driving the run.',
    'ABORTED',
  ),
  BATON_E_RUN_ENDED: def(
    'The run has already ended; it cannot be resumed, signalled or cancelled.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_NOT_WAITING_FOR_INPUT: def(
    'The task named does not wait for input now (it has not started, its agent is working, or it ended); the message says what it is doing. Answer only a task that `baton status` lists as waiting for input.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_MODIFY_INVALID: def(
    'A live modification would make the workflow invalid (unknown task, cycle, missing agent or capability, bad pattern_config); the detail lists each change at fault.',
  ),
  BATON_E_MODIFY_CONFLICT: def(
    "A live modification conflicts with the run's progress (a task already started or finished, or the run is not executing or paused); the detail lists each change at fault.",
    'FAILED_PRECONDITION',
  ),
  // Retention and schedules (src/runtime/retention.ts, src/runtime/schedules.ts)
  BATON_E_RUN_NOT_ENDED: def(
    'The run has not ended, so it cannot be deleted: cancel it (or wait for it to end) first.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_SCHEDULE_INVALID: def(
    'A schedule is malformed: a bad cron expression, interval, timezone, overlap policy, catch-up window, id, workflow or input; the message names the field.',
  ),
  BATON_E_SCHEDULE_NOT_FOUND: def('No schedule with this id exists in this namespace.', 'NOT_FOUND'),
  BATON_E_SCHEDULE_EXISTS: def(
    'A schedule with this id already exists in this namespace: pick another id, or delete the old one first.',
    'ALREADY_EXISTS',
  ),
  // Global hooks and their log (src/hooks/global-hooks.ts, src/api/hook-service.ts)
  BATON_E_HOOK_EXISTS: def(
    'A global hook with this name already exists in this namespace: pick another name, or update or delete the old one.',
    'ALREADY_EXISTS',
  ),
  BATON_E_HOOK_NOT_FOUND: def('No global hook with this name exists in this namespace.', 'NOT_FOUND'),
  BATON_E_HOOK_REQUEST_INVALID: def(
    'A global hook (or a Test or log request) is malformed: an unknown trigger, kind, mode or fail policy, an empty name or command, a timeout or priority out of range; the message names the field.',
  ),
  // Store and bus (adapters wrap the driver's error as `cause`)
  BATON_E_JOURNAL_CONFLICT: def(
    "Another writer appended to this run's journal first; the loser reloads the run instead of retrying its append.",
    'ABORTED',
  ),
  BATON_E_RUN_EXISTS: def('A run with this id already exists in this namespace.', 'ALREADY_EXISTS'),
  BATON_E_RUN_NOT_FOUND: def('No run with this id exists in this namespace.', 'NOT_FOUND'),
  // ALREADY_EXISTS, not FAILED_PRECONDITION: the conflict is with something that exists (the run the key
  // started), and no change of server state makes the request succeed; only another key or the first
  // request's content does (FAILED_PRECONDITION says: fix the system's state, then retry).
  BATON_E_REQUEST_ID_REUSED: def(
    'This request_id (idempotency key) was already used with other content: it started a run with another workflow, definition, version, input or execution options (StartRun), or answered a task with another answer (ProvideInput); the message names the run and what differs. Resend the same content to get what the first request got, or use a new request_id.',
    'ALREADY_EXISTS',
  ),
  BATON_E_WORKFLOW_CONFLICT: def(
    'This workflow name and version is already stored with a different source: give the change a new version.',
    'ALREADY_EXISTS',
  ),
  BATON_E_STORE_INVALID: def(
    'A store call got something it cannot store: records not numbered from the expected seq, data that is not JSON, or a malformed cursor or limit.',
  ),
  BATON_E_STORE_SCHEMA: def(
    'The database was migrated by a newer Baton than this one: upgrade Baton or use another data directory.',
    'FAILED_PRECONDITION',
  ),
  BATON_E_STORE_CLOSED: def('The store was used after it was closed.', 'FAILED_PRECONDITION'),
  BATON_E_STORE_UNAVAILABLE: def(
    'The database failed an operation (locked, unreachable, full or damaged); the cause names the driver error.',
    'UNAVAILABLE',
    true,
  ),
  BATON_E_BUS_INVALID: def(
    'A bus call got something it cannot carry: a message that is not JSON, a malformed message id, or an empty group or consumer name.',
  ),
  BATON_E_BUS_CLOSED: def('The bus was used after it was closed.', 'FAILED_PRECONDITION'),
  BATON_E_BUS_UNAVAILABLE: def(
    "The bus's server (Redis) failed an operation: unreachable, restarting or refusing writes; the message names the operation and stream, the cause the driver error.",
    'UNAVAILABLE',
    true,
  ),
  // gRPC API (src/api)
  BATON_E_REQUEST_INVALID: def(
    'A request field is missing or malformed; the error detail names the field (e.g. `source`).',
  ),
  BATON_E_BAD_REQUEST: def(
    "The request message is not a valid encoding of the method's request type (bytes that do not parse, a field of the wrong wire type, a string that is not UTF-8); the detail names the method and, when known, the field.",
  ),
  BATON_E_FIELD_TOO_LARGE: def(
    'A request field is longer than its documented maximum (bytes of a string, items of a list; docs/api-limits.md); the detail names the field and the limit.',
  ),
  BATON_E_JSON_TOO_DEEP: def(
    'A JSON value in a request (run input, signal data, pattern_config, worker outputs) nests deeper than 64 levels; the detail names the field.',
  ),
  BATON_E_TOO_MANY_DIAGNOSTICS: def(
    'A response lists at most 1,000 diagnostics; this last one says how many more were found and left out.',
  ),
  BATON_E_SERVER_BUSY: def(
    'The server is already handling as many large requests as its memory budget allows; retry shortly.',
    'RESOURCE_EXHAUSTED',
    true,
  ),
  BATON_E_WATCH_TOO_SLOW: def(
    'A WatchRun client read too slowly and the server ended its stream; resume with the cursor of the last event received.',
    'RESOURCE_EXHAUSTED',
    true,
  ),
  BATON_E_WORKFLOW_NOT_FOUND: def(
    'No workflow with this name (and version) is registered in this namespace.',
    'NOT_FOUND',
  ),
  BATON_E_WORKFLOW_IN_USE: def(
    'The workflow version has runs that have not ended; delete it once they end (or cancel them).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_SERVER_DRAINING: def(
    'The server is shutting down and takes no new runs; retry against it once it has restarted.',
    'UNAVAILABLE',
    true,
  ),
  BATON_E_SERVER_UNAVAILABLE: def(
    'The Baton server could not be reached (not running, wrong address, or a network failure).',
    'UNAVAILABLE',
    true,
  ),
  BATON_E_SERVER_UNIMPLEMENTED: def(
    'The server does not implement this call (an older server, or a feature not built yet).',
    'FAILED_PRECONDITION',
  ),
  // Server configuration (src/config)
  BATON_E_CONFIG_INVALID: def(
    'A `baton serve` setting (flag, environment variable or config file key) is invalid; the message names the key and where it came from.',
  ),
  BATON_E_ADDRESS_IN_USE: def(
    '`baton serve` cannot listen on its address: another process (often another `baton serve`) holds it. Stop that one, or choose another with --listen HOST:PORT (exit code 2).',
    'FAILED_PRECONDITION',
  ),
  BATON_E_LISTEN_FAILED: def(
    '`baton serve` cannot listen on its address for another reason than its being in use (no such local address, a privileged port); the message says which (exit code 2).',
    'FAILED_PRECONDITION',
  ),
  // The HTTP listener (src/http): its own answers; mounted edges (A2A, metrics, UI) answer in their protocol
  BATON_E_HTTP_NOT_FOUND: def(
    'No route of the HTTP listener (`--http`) serves this path (HTTP 404).',
    'NOT_FOUND',
  ),
  BATON_E_HTTP_BAD_REQUEST: def(
    'The HTTP request is malformed (bad JSON, a bad header); the message says what (HTTP 400).',
  ),
  BATON_E_HTTP_TOO_LARGE: def('The HTTP request body is larger than the route accepts (HTTP 413).'),
  BATON_E_HTTP_BODY_TIMEOUT: def(
    "The HTTP request body stopped arriving before its end (a truncated body on a connection left open): no byte came for the listener's body idle time (HTTP 408); the message says how much arrived.",
    'DEADLINE_EXCEEDED',
  ),
  BATON_E_HTTP_INTERNAL: def(
    'An HTTP route failed inside Baton (HTTP 500); the server log names the cause. Please report it.',
    'INTERNAL',
  ),
  BATON_E_WATCH_SHUTDOWN: def(
    'The server is shutting down and ended the WatchRun stream; reconnect (to it once restarted, or another) with the cursor of the last event received.',
    'UNAVAILABLE',
    true,
  ),
  // Command line
  BATON_E_USAGE: def('The command line is not valid (unknown command, flag, or missing argument).'),
  BATON_E_INTERNAL: def('A bug in Baton: please report it with the command that caused it.', 'INTERNAL'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export const isErrorCode = (s: string): s is ErrorCode => Object.prototype.hasOwnProperty.call(ERRORS, s);

/** An error Baton knows: carries its registry code so edges (CLI, gRPC) can map it without parsing text. */
export class BatonError extends Error {
  override readonly name = 'BatonError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get retryable(): boolean {
    return ERRORS[this.code].retryable;
  }
  get grpcStatus(): number {
    return GRPC_STATUS[ERRORS[this.code].grpc];
  }
}
