// Renders docs/api-limits.md from limits.ts and the descriptor set, so the page cannot drift from what
// the edge enforces (test/integration/api/limits.test.ts fails when the committed page differs;
// `npm run docs:limits` rewrites it).

import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import {
  FIELD_LIMITS,
  LARGE_REQUEST_BUDGET_BYTES,
  LARGE_REQUEST_BYTES,
  MAX_JSON_DEPTH,
  MAX_MESSAGE_BYTES,
  type FieldLimit,
} from './limits.js';
import { descriptors } from './request-edge.js';

/** The services whose requests the edge checks, in the order the page lists them. */
export const EDGE_SERVICES = [
  'baton.v1.WorkflowService',
  'baton.v1.RunService',
  'baton.v1.AgentService',
  'baton.v1.PluginService',
  'baton.v1.ScheduleService',
  'baton.v1.HookService',
  'grpc.health.v1.Health',
] as const;

const isLimited = (f: DescField): boolean =>
  f.fieldKind === 'list' ||
  (f.fieldKind === 'scalar' && (f.scalar === ScalarType.STRING || f.scalar === ScalarType.BYTES));

/**
 * Every request message (an RPC's input and the messages inside it, JSON's well-known types aside) with
 * its string, bytes and repeated fields: what FIELD_LIMITS must cover. Keyed by full field name.
 */
export function limitedFields(): Map<string, { message: DescMessage; field: DescField }> {
  const out = new Map<string, { message: DescMessage; field: DescField }>();
  const seen = new Set<string>();
  const visit = (m: DescMessage): void => {
    if (seen.has(m.typeName) || m.typeName.startsWith('google.protobuf.')) return;
    seen.add(m.typeName);
    for (const f of m.fields) {
      if (isLimited(f)) out.set(`${m.typeName}.${f.name}`, { message: m, field: f });
      if (f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) visit(f.message);
    }
  };
  for (const name of EDGE_SERVICES) for (const m of descriptors().getService(name)!.methods) visit(m.input);
  return out;
}

const size = (n: number): string =>
  n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${n} bytes`;

function limitText(l: FieldLimit): string {
  const parts: string[] = [];
  if (l.items !== undefined) parts.push(`${l.items.toLocaleString('en-US')} items`);
  if (l.bytes !== undefined) parts.push(`${size(l.bytes)}${l.items !== undefined ? ' each' : ''}`);
  return parts.join(', ');
}

export function renderLimitsDocs(): string {
  const rows = [...limitedFields().keys()].map((name) => {
    const l = FIELD_LIMITS[name];
    const where = name.startsWith('baton.v1.') ? name.slice('baton.v1.'.length) : name;
    return l === undefined
      ? `| \`${where}\` | (no limit: a bug) | | |`
      : `| \`${where}\` | ${l.kind} | ${limitText(l)} | ${l.checkedBy ?? 'the edge'} |`;
  });
  return [
    '# API limits',
    '',
    'Every request to `baton serve` crosses one edge before any handler runs (`src/api/request-edge.ts`).',
    'There the message is checked against its type in the descriptor set and against the limits below',
    '(one table, `src/api/limits.ts`); what fails is refused with a coded status and an `ErrorDetail`',
    'naming the field, and the connection goes on serving other calls. A Work stream refused this way',
    'ends, as for any malformed message.',
    '',
    'This file is generated from `src/api/limits.ts` by `npm run docs:limits`.',
    '',
    '## The message',
    '',
    `- **Size**: at most ${size(MAX_MESSAGE_BYTES)} per message (grpc-js's`,
    '  `grpc.max_receive_message_length`, set deliberately: a workflow source may be 16 MiB). A larger',
    '  message is `RESOURCE_EXHAUSTED` from the transport before Baton sees it.',
    "- **Encoding**: bytes that are not a valid encoding of the method's request type (an illegal tag, a",
    '  field of the wrong wire type, a length past the end, a string that is not UTF-8) are',
    '  `INVALID_ARGUMENT` `BATON_E_BAD_REQUEST`, naming the method and, when it is known, the field.',
    "- **Numbers**: a value out of its field's range is `INVALID_ARGUMENT` `BATON_E_REQUEST_INVALID`",
    '  naming the field: a `uint64`/`int64` beyond ±(2^53 - 1) (JavaScript holds no larger integer',
    '  exactly; e.g. `GetRunHistoryRequest.state_at_seq`), a `uint32`/`int32` sent as a wider varint, a',
    '  `Duration` or `Timestamp` outside the range its `.proto` defines (about ±10,000 years), and `NaN`',
    '  or an infinity in a JSON value.',
    `- **JSON values** (\`google.protobuf.Struct\` / \`Value\`: run input, signal data, \`pattern_config\`,`,
    `  worker outputs and message data) may nest ${MAX_JSON_DEPTH} levels (objects and lists inside one`,
    `  another; the workflow language's limit); deeper is \`INVALID_ARGUMENT\` \`BATON_E_JSON_TOO_DEEP\``,
    '  naming the request field. Their strings have no limit of their own beyond the message size.',
    '',
    '## Memory',
    '',
    `A unary or server-streaming request over ${size(LARGE_REQUEST_BYTES)} counts against a budget of`,
    `${size(LARGE_REQUEST_BUDGET_BYTES)} while its call is handled; one that would overrun it (while another`,
    'large request is in progress) is `RESOURCE_EXHAUSTED` `BATON_E_SERVER_BUSY`, retryable. So however',
    'many clients send large requests at once, handlers hold (parse, check, journal) at most the budget',
    'plus one message. Values refused at the edge are never decoded: a 10 MB field costs its bytes on',
    'the wire, not a string, and nothing of it is kept or journaled. The transport itself still buffers',
    'each message in flight before any check, so the message size and the number of concurrent calls',
    'bound that part; after a burst, the process RSS may stay above where it started (V8 frees the',
    'buffers at its next collection, and the C allocator keeps freed blocks for reuse) while what the',
    'server holds returns to its baseline (`test/integration/api/bad-input.test.ts` measures both).',
    '',
    '## The HTTP gateway',
    '',
    'A call through `serve --http` (`POST /api/<service>/<Method>`, proto3 JSON) crosses the same edge:',
    'its JSON is checked for nesting first (deeper than the limit above is `BATON_E_JSON_TOO_DEEP` naming',
    'the field, however deep), then turned into the binary request and checked as gRPC checks it, and a',
    'large unary request counts against the same budget as gRPC calls (429 `BATON_E_SERVER_BUSY`). A',
    `body may be at most ${size(2 * MAX_MESSAGE_BYTES)} (JSON spells bytes longer than binary does).`,
    '',
    '## Responses',
    '',
    'A response lists at most 1,000 diagnostics (ValidateWorkflow, PlanWorkflow, RegisterWorkflow,',
    'ModifyRun); past that its last diagnostic is a warning `BATON_E_TOO_MANY_DIAGNOSTICS` saying how many',
    'more were found, so the answer to a source with 300,000 problems still fits a default gRPC client',
    '(4 MiB). `baton validate FILE` lists them all.',
    '',
    '## Errors',
    '',
    'Error messages quote at most a short, escaped prefix of any value a client sent (64 characters, as',
    'a JSON string, with its full length), and the error trailers are capped (message 1,024 characters,',
    'the encoded `ErrorDetail` 8 KiB, dropping violations past it and saying how many), so an error',
    'always fits in HTTP/2 headers and reaches the client.',
    '',
    '## Fields',
    '',
    'Strings are measured in UTF-8 bytes, `bytes` fields in bytes, repeated fields in items (and each',
    'item as its kind says). Over the limit is `INVALID_ARGUMENT` `BATON_E_FIELD_TOO_LARGE`, with the',
    'field path (e.g. `heartbeat.lease_ids.3`) in the `ErrorDetail`. Fields a service checks itself,',
    'with its own error code, are bounded at the edge by the message size only.',
    '',
    '| field | holds | at most | checked by |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
