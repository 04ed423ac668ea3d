// The JSON shape of A2A request params, checked at the edge before the SDK's transports decode them.
// The SDK's decoders assume well-typed JSON: a null part, a number where a list of strings goes, a task
// id that is an object... throw TypeErrors inside the SDK (answered -32603 / HTTP 500) or reach the
// store as garbage. Here each known field of each method, v1.0 and v0.3, is checked for its JSON type,
// and the first wrong one is named by its path (`message.parts.0`). Fields not listed are left to the
// SDK; null is an absent optional field (proto3 JSON).

type Kind = 'string' | 'integer' | 'boolean' | 'object' | 'any';

interface Field {
  readonly kind: Kind | Shape;
  readonly list?: boolean;
  readonly required?: boolean;
}

type Shape = { readonly [field: string]: Field };

const str: Field = { kind: 'string' };
const int: Field = { kind: 'integer' };
const bool: Field = { kind: 'boolean' };
const obj: Field = { kind: 'object' };
const strings: Field = { kind: 'string', list: true };
const id: Field = { kind: 'string', required: true };

const PART_10: Shape = {
  text: str,
  raw: str,
  url: str,
  data: { kind: 'any' },
  metadata: obj,
  filename: str,
  mediaType: str,
};
const MESSAGE_10: Shape = {
  messageId: str,
  contextId: str,
  taskId: str,
  parts: { kind: PART_10, list: true, required: true },
  metadata: obj,
  extensions: strings,
  referenceTaskIds: strings,
};
const CONFIG_10: Shape = {
  acceptedOutputModes: strings,
  historyLength: int,
  returnImmediately: bool,
  blocking: bool,
  taskPushNotificationConfig: obj,
};
const SEND_10: Shape = {
  tenant: str,
  message: { kind: MESSAGE_10, required: true },
  configuration: { kind: CONFIG_10 },
  metadata: obj,
};

const PART_03: Shape = { kind: str, text: str, data: obj, file: obj, metadata: obj };
const MESSAGE_03: Shape = {
  kind: str,
  messageId: id,
  role: str,
  contextId: str,
  taskId: str,
  parts: { kind: PART_03, list: true, required: true },
  metadata: obj,
  extensions: strings,
  referenceTaskIds: strings,
};
const SEND_03: Shape = {
  message: { kind: MESSAGE_03, required: true },
  configuration: {
    kind: { acceptedOutputModes: strings, historyLength: int, blocking: bool, pushNotificationConfig: obj },
  },
  metadata: obj,
};
const TASK_03: Shape = { id, historyLength: int, metadata: obj };

/** Each JSON-RPC method's params (v1.0 and v0.3 names do not overlap). */
const PARAMS: Readonly<Record<string, Shape>> = {
  SendMessage: SEND_10,
  SendStreamingMessage: SEND_10,
  GetTask: { tenant: str, id, historyLength: int },
  ListTasks: {
    tenant: str,
    contextId: str,
    pageSize: int,
    pageToken: str,
    historyLength: int,
    statusTimestampAfter: str,
    includeArtifacts: bool,
  },
  CancelTask: { tenant: str, id, metadata: obj },
  SubscribeToTask: { tenant: str, id },
  CreateTaskPushNotificationConfig: { tenant: str, taskId: str, id: str, url: str, token: str },
  GetTaskPushNotificationConfig: { tenant: str, taskId: str, id: str },
  ListTaskPushNotificationConfigs: { tenant: str, taskId: str, pageSize: int, pageToken: str },
  DeleteTaskPushNotificationConfig: { tenant: str, taskId: str, id: str },
  GetExtendedAgentCard: { tenant: str },
  'message/send': SEND_03,
  'message/stream': SEND_03,
  'tasks/get': TASK_03,
  'tasks/cancel': TASK_03,
  'tasks/resubscribe': TASK_03,
  'tasks/pushNotificationConfig/set': {
    taskId: id,
    pushNotificationConfig: { kind: { id: str, url: str, token: str, authentication: obj }, required: true },
  },
  'tasks/pushNotificationConfig/get': { id, pushNotificationConfigId: str, metadata: obj },
  'tasks/pushNotificationConfig/list': { id, metadata: obj },
  'tasks/pushNotificationConfig/delete': { id, pushNotificationConfigId: str, metadata: obj },
};

/** The params shape of a JSON-RPC method, or undefined for a method the SDK answers on its own. */
export function paramsShape(method: string): Shape | undefined {
  return Object.hasOwn(PARAMS, method) ? PARAMS[method] : undefined;
}

/** The HTTP+JSON send body (`/message:send`, `/message:stream`): v1.0 params, or v0.3's under /v1. */
export const sendBodyShape = (v03: boolean): Shape => (v03 ? SEND_03 : SEND_10);

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;

function isKind(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    // proto3 JSON spells 64-bit integers as strings too.
    case 'integer':
      return Number.isSafeInteger(v) || (typeof v === 'string' && /^-?\d{1,15}$/.test(v));
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'any':
      return true;
  }
}

const KIND_NAME: Record<Kind, string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  any: 'a value',
};

function checkValue(f: Field, v: unknown, path: string): string | undefined {
  if (typeof f.kind === 'string') {
    if (!isKind(f.kind, v)) return `${path} must be ${KIND_NAME[f.kind]}, not ${describe(v)}`;
    if (f.required && f.kind === 'string' && v === '') return `${path} is required (it is empty)`;
    return undefined;
  }
  return checkShape(f.kind, v, path);
}

/**
 * The first problem of `value` against `shape` ("message.parts.0 must be an object, not null"), or
 * undefined when every known field has its JSON type. `path` prefixes field paths; `root` names the
 * value itself.
 */
export function checkShape(shape: Shape, value: unknown, path = '', root = 'params'): string | undefined {
  const at = (k: string) => (path === '' ? k : `${path}.${k}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${path === '' ? root : path} must be an object, not ${describe(value)}`;
  const record = value as Record<string, unknown>;
  for (const [name, f] of Object.entries(shape)) {
    const v = Object.hasOwn(record, name) ? record[name] : undefined;
    if (v === undefined || v === null) {
      if (f.required) return `${at(name)} is required`;
      continue;
    }
    if (!f.list) {
      const problem = checkValue(f, v, at(name));
      if (problem) return problem;
      continue;
    }
    if (!Array.isArray(v)) return `${at(name)} must be a list, not ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = checkValue(f, v[i], `${at(name)}.${i}`);
      if (problem) return problem;
    }
  }
  return undefined;
}
