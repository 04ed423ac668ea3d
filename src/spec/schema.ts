// The workflow language, defined once: the zod schema that parses a workflow file into a WorkflowSpec.
// `baton schema` prints the JSON Schema derived from it; docs/workflow-language.md documents each key.
// Quantities (durations, CPU, memory) are normalised here to ms, millicores and bytes.

import { z } from 'zod';
import { parseCpu, parseDuration, parseMemory, type Parsed } from './quantity.js';

/** Task and agent ids: usable as CEL identifiers (`tasks.research.output`); hyphens need `tasks["a-b"]`. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/**
 * Longest workflow name, version and hook name: they are keys the stores index (a PostgreSQL index row
 * holds at most 2,704 bytes) and the API's references to them are bounded alike (docs/api-limits.md).
 */
export const MAX_NAME = 256;

const Id = z
  .string()
  .regex(ID_PATTERN, { message: 'an id: letters, digits, "_" or "-", starting with a letter or "_"' });

const quantity = (parse: (v: string | number) => Parsed, example: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const r = parse(v);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.reason, params: { baton: 'invalid_value' } });
      return z.NEVER;
    })
    .meta({ description: `e.g. ${example}` });

/** Milliseconds. Input: "250ms", "30s", "5m", "1h", "1d", or a number of seconds. */
export const Duration = quantity(parseDuration, '"30s", "5m", 3600 (seconds)');
/** Millicores. Input: "4 cores", "500m", 2. */
export const Cpu = quantity(parseCpu, '"4 cores", "500m", 2');
/** Bytes. Input: "8GB", "512MB", "1Gi". */
export const Memory = quantity(parseMemory, '"8GB", "512MB", "1Gi"');

/** A CEL expression (https://cel.dev). Compiled and checked by spec/cel.ts; never eval'd as JS. */
export const CelExpr = z.string().min(1).meta({ description: 'A CEL expression' });

export const Resources = z
  .strictObject({
    cpu: Cpu.optional(),
    memory: Memory.optional(),
  })
  .meta({ description: 'What one instance of the agent needs while it works.' });

/** How an agent is reached: exactly one of module, a2a or queue. */
export const Endpoint = z.union([
  z.strictObject({
    module: z
      .string()
      .min(1)
      .meta({ description: 'Path of an ES module (relative to the workflow file) exporting a handler' }),
    export: z.string().min(1).optional().meta({ description: 'Export name; default "default"' }),
  }),
  z.strictObject({
    a2a: z.url({ protocol: /^https?$/ }).meta({
      description: 'URL of an A2A agent (its card at URL/.well-known/agent-card.json), or of its card',
    }),
    credential: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional()
      .meta({
        description:
          'Name of the credential to authenticate with (from BATON_A2A_TOKEN_<NAME> or the A2A credentials file); never the secret itself. Default: the agent id',
      }),
  }),
  z.strictObject({
    queue: z.string().min(1).meta({ description: 'Worker queue name: gRPC workers take tasks from it' }),
  }),
]);

export const Agent = z.strictObject({
  type: z.string().min(1),
  capabilities: z.array(z.string().min(1)).default([]),
  description: z.string().optional(),
  resources: Resources.optional(),
  max_instances: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .meta({ description: 'Most concurrent instances; default 1' }),
  endpoint: Endpoint.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

export const RetryPolicy = z.strictObject({
  initial_interval: Duration.optional(),
  backoff_coefficient: z.number().min(1).max(100).optional(),
  max_interval: Duration.optional(),
  max_attempts: z.number().int().min(1).max(1000).optional(),
  jitter: z.union([z.boolean(), z.number().min(0).max(1)]).optional(),
  non_retryable_errors: z.array(z.string().min(1)).optional(),
});

/** An event reference: `"data_updates"` (any event on the channel) or `{ channel, event?, filter? }`. */
export const EventRef = z.union([
  z.string().min(1),
  z.strictObject({
    channel: z.string().min(1),
    event: z.string().min(1).optional(),
    filter: CelExpr.optional(),
  }),
]);

export const WaitFor = z.strictObject({
  channel: z.string().min(1),
  event: z.string().min(1).optional(),
  filter: CelExpr.optional(),
  timeout: Duration,
});

export const Emit = z.union([
  z.string().min(1),
  z.strictObject({
    channel: z.string().min(1),
    event: z.string().min(1).optional(),
    data: CelExpr.optional(),
  }),
]);

export const Compensate = z.strictObject({
  agent: Id,
  input: z.record(z.string(), CelExpr).optional(),
  timeout: Duration.optional(),
});

export const Repeat = z.strictObject({
  until: CelExpr,
  max_iterations: z.number().int().min(1).max(10_000),
});

export const HookTrigger = z.enum([
  'pre_task',
  'post_task',
  'pre_search',
  'pre_edit',
  'post_edit',
  'pre_command',
  'post_command',
  'session_start',
  'session_end',
  'session_restore',
  'notification',
]);

export const HookMatcher = z.strictObject({
  agent: z.string().min(1).optional(),
  task: z.string().min(1).optional(),
  tool: z.string().min(1).optional(),
});

export const Hook = z.strictObject({
  name: z.string().min(1).max(MAX_NAME),
  trigger: HookTrigger,
  command: z.string().min(1).meta({ description: 'A hook plugin (name@version) or a command' }),
  args: z.array(z.string()).default([]),
  always_run: z.boolean().default(false),
  timeout_ms: z.number().int().min(1).max(3_600_000).default(30_000),
  enabled: z.boolean().default(true),
  priority: z.number().int().default(100),
  tasks: z.array(Id).optional().meta({ description: 'Limit a task hook to these tasks' }),
  matcher: HookMatcher.optional().meta({
    description: "Run only for matching agents, tasks or tools ('*' wildcards, {a,b} alternatives)",
  }),
  mode: z.enum(['blocking', 'async']).optional().meta({
    description: 'Default: async for notification, else blocking',
  }),
  fail: z.enum(['open', 'closed']).optional().meta({
    description: "What the hook's own crash or timeout means. Default: closed for pre_*, else open",
  }),
  kind: z.enum(['exec', 'http', 'wasm']).optional().meta({
    description: 'Default: http for an http(s) URL, wasm for name@version, else exec',
  }),
});

/** A nested coordination block: its own pattern and agents; when it ends, control returns to the graph. */
export const Block = z.strictObject({
  pattern: z.string().min(1),
  agents: z.array(Id).min(1),
  config: z.record(z.string(), z.unknown()).optional(),
  until: CelExpr.optional(),
  max_rounds: z.number().int().min(1).max(100_000).optional(),
});

export const Task = z.strictObject({
  id: Id,
  agent: Id.optional(),
  description: z.string().optional(),
  depends_on: z.array(Id).default([]),
  when: CelExpr.optional(),
  parallel: z
    .union([z.boolean(), z.number().int().min(1).max(100_000)])
    .optional()
    .meta({ description: 'Fan out: true, or the most instances at once' }),
  for_each: CelExpr.optional().meta({
    description: 'A list to fan out over; default: the one dependency output',
  }),
  input: z.union([CelExpr, z.record(z.string(), CelExpr)]).optional(),
  requires: z.array(z.string().min(1)).optional(),
  retry: RetryPolicy.optional(),
  timeout: Duration.optional(),
  compensate: Compensate.optional(),
  on: EventRef.optional(),
  emits: z.array(Emit).optional(),
  wait_for: WaitFor.optional(),
  workflow: z.string().min(1).optional().meta({ description: 'Sub-workflow: a file path or name@version' }),
  block: Block.optional(),
  repeat: Repeat.optional(),
});

export const ResourceConstraints = z.strictObject({
  max_agents: z.number().int().min(1).optional(),
  max_cpu: Cpu.optional(),
  max_memory: Memory.optional(),
});

export const Coordination = z.strictObject({
  type: z.enum(['hybrid', 'graph', 'event_driven']).default('hybrid'),
  event_driven: z.array(z.string().min(1)).default([]),
  graph_based: z.array(z.string().min(1)).default([]),
});

/** A declared run input: documented, optionally required, optionally defaulted. */
export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export const InputDecl = z.strictObject({
  description: z.string().optional(),
  type: z.enum(INPUT_TYPES).optional().meta({
    description: "The value's JSON type; without it, the type of `default` (if any) is checked",
  }),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
});

export const Workflow = z.strictObject({
  name: z.string().min(1).max(MAX_NAME),
  version: z.union([z.string().min(1).max(MAX_NAME), z.number()]).transform((v) => String(v)),
  description: z.string().optional(),
  orchestration_pattern: z.string().min(1).default('graph'),
  inputs: z.record(z.string().regex(ID_PATTERN), InputDecl).optional().meta({
    description: 'The run input: defaults fill what a run does not give; a required one must be given',
  }),
  pattern_config: z.record(z.string(), z.unknown()).optional(),
  agents: z.record(Id, Agent),
  tasks: z.array(Task).min(1),
  coordination: Coordination.optional(),
  resource_constraints: ResourceConstraints.optional(),
  retry: RetryPolicy.optional().meta({ description: 'Default retry policy for every task' }),
  timeout: Duration.optional().meta({ description: 'Run timeout' }),
  hooks: z.array(Hook).optional(),
});

export const WorkflowFile = z.strictObject({ workflow: Workflow });

export type WorkflowSpec = z.output<typeof Workflow>;
export type TaskSpec = z.output<typeof Task>;
export type AgentSpec = z.output<typeof Agent>;
export type RetryPolicySpec = z.output<typeof RetryPolicy>;
export type ResourceConstraintsSpec = z.output<typeof ResourceConstraints>;
export type InputDeclSpec = z.output<typeof InputDecl>;
export type HookSpec = z.output<typeof Hook>;
export type EventRefSpec = z.output<typeof EventRef>;
export type EmitSpec = z.output<typeof Emit>;
export type BlockSpec = z.output<typeof Block>;
