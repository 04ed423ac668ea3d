// Baton pattern kit for AssemblyScript (ABI v1): read the JSON input of an export, write JSON output
// as UTF-8 bytes, log through the host, and the abort handler every plugin build names with
// `--use abort=<this module>/batonAbort`. Plugins import it by relative path.

import { Host, LogLevel } from '@extism/as-pdk';
import { JSON } from 'assemblyscript-json/assembly';

export { JSON };

/** The ABI version this kit speaks: what baton_describe reports. */
export const ABI_VERSION = '1.0';

/** Called by `abort()` (a failed assertion, out of memory): log where, then trap so the host sees a failure. */
export function batonAbort(
  message: string | null,
  fileName: string | null,
  lineNumber: u32,
  columnNumber: u32,
): void {
  const m = message === null ? 'abort' : message;
  const f = fileName === null ? '?' : fileName;
  Host.log(LogLevel.Error, m + ' at ' + f + ':' + lineNumber.toString() + ':' + columnNumber.toString());
  unreachable();
}

/** The export's input parsed as a JSON object (an empty input is {}). */
export function input(): JSON.Obj {
  const bytes = Host.input();
  if (bytes.length == 0) return new JSON.Obj();
  const v = JSON.parse(bytes);
  if (!v.isObj) throw new Error('the input is not a JSON object');
  return changetype<JSON.Obj>(v);
}

/** Writes `json` as the export's output, UTF-8 encoded (Host.outputString rejects non-ASCII). */
export function output(json: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(json)));
}

export function log(message: string): void {
  Host.log(LogLevel.Info, message);
}

const HEX = '0123456789abcdef';

/**
 * `s` as a JSON string literal. Use it (not assemblyscript-json's `stringify()`, which writes control
 * characters such as a newline raw, after a backslash: not JSON) for every string a plugin outputs.
 */
export function quote(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(from, i);
    from = i + 1;
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += '\\\\';
    else if (c == 0x0a) out += '\\n';
    else if (c == 0x0d) out += '\\r';
    else if (c == 0x09) out += '\\t';
    else out += '\\u00' + HEX.charAt(c >> 4) + HEX.charAt(c & 0xf);
  }
  return out + s.substring(from) + '"';
}

/** `items` as a JSON array of strings. */
export function stringList(items: Array<string>): string {
  let s = '[';
  for (let k = 0; k < items.length; k++) s += (k > 0 ? ',' : '') + quote(items[k]);
  return s + ']';
}

/**
 * pattern_init's refusal of a config it cannot run: writes `{"error": {"code": "BATON_E_PATTERN_CONFIG",
 * "message": ...}}` and returns the export's result, so `return refuseConfig('pattern_config.x: ...')`.
 */
export function refuseConfig(message: string): i32 {
  output('{"error":{"code":"BATON_E_PATTERN_CONFIG","message":' + quote(message) + '}}');
  return 0;
}

/** `config[key]` as a string: null when absent, '' when it is not a non-empty string (refuse that). */
export function configString(config: JSON.Obj, key: string): string | null {
  const v = config.get(key);
  if (v === null) return null;
  if (!v.isString || (<JSON.Str>v).valueOf().length == 0) return '';
  return (<JSON.Str>v).valueOf();
}

/** A parsed JSON value written back as JSON text, with strings and keys escaped correctly (see quote). */
export function stringify(v: JSON.Value | null): string {
  if (v === null) return 'null';
  if (v.isString) return quote((<JSON.Str>v).valueOf());
  if (v.isArr) {
    const items = (<JSON.Arr>v).valueOf();
    let out = '[';
    for (let k = 0; k < items.length; k++) out += (k > 0 ? ',' : '') + stringify(items[k]);
    return out + ']';
  }
  if (v.isObj) {
    const o = <JSON.Obj>v;
    const keys = o.keys;
    let out = '{';
    for (let k = 0; k < keys.length; k++) {
      out += (k > 0 ? ',' : '') + quote(keys[k]) + ':' + stringify(o.get(keys[k]));
    }
    return out + '}';
  }
  return v.stringify();
}

// ── ABI 1.1 ─────────────────────────────────────────────────────────────────────────────────────

/** The minor version whose additions (events, failed/delegated triggers, per-task inputs) a plugin uses. */
export const ABI_VERSION_1_1 = '1.1';

/**
 * One event for a decision's `events` list (ABI 1.1): published on `channel` (one of the workflow's
 * coordination.event_driven channels) as event `type`, with `data` (JSON text), addressed `to` one
 * task or agent when given.
 */
export function event(channel: string, type: string, data: string, to: string | null = null): string {
  return (
    '{"channel":' +
    quote(channel) +
    ',"type":' +
    quote(type) +
    (to === null ? '' : ',"to":' + quote(to)) +
    ',"data":' +
    data +
    '}'
  );
}

/** `decision` (a JSON object's text) with an `events` list added; unchanged when there is none. */
export function withEvents(decision: string, events: string[]): string {
  if (events.length == 0) return decision;
  return decision.slice(0, decision.lastIndexOf('}')) + ',"events":[' + events.join(',') + ']}';
}

/**
 * The `inputs` object of a rerun or handoff (ABI 1.1): `fields[k]` (an object's JSON text) for task
 * `tasks[k]`.
 */
export function taskInputs(tasks: string[], fields: string[]): string {
  let out = '{';
  for (let k = 0; k < tasks.length; k++) out += (k > 0 ? ',' : '') + quote(tasks[k]) + ':' + fields[k];
  return out + '}';
}

/** A `failed` trigger (ABI 1.1, with judges_failures): what failed, why, after how many attempts. */
export class Failure {
  task: string = '';
  /** The failed unit: the task's round key, or a delegated subtask's key (`plan/delegate[1]`). */
  key: string = '';
  round: i64 = 1;
  /** The agent that failed ("" when the task has none). */
  agent: string = '';
  code: string = '';
  message: string = '';
  attempts: i64 = 0;
  /** Whether a delegated subtask failed (its key has `/delegate[`), rather than the task itself. */
  get subtask(): bool {
    return this.key.includes('/delegate[');
  }
}

/** The trigger as a Failure when its kind is `failed`, else null. */
export function failedTrigger(trigger: JSON.Obj): Failure | null {
  const kind = trigger.getString('kind');
  if (kind === null || kind.valueOf() != 'failed') return null;
  const f = new Failure();
  f.task = trigger.getString('task')!.valueOf();
  f.key = trigger.getString('key')!.valueOf();
  const round = trigger.getInteger('round');
  if (round !== null) f.round = round.valueOf();
  const agent = trigger.getString('agent');
  if (agent !== null) f.agent = agent.valueOf();
  const error = trigger.getObj('error');
  if (error !== null) {
    const code = error.getString('code');
    const message = error.getString('message');
    if (code !== null) f.code = code.valueOf();
    if (message !== null) f.message = message.valueOf();
  }
  const attempts = trigger.getInteger('attempts');
  if (attempts !== null) f.attempts = attempts.valueOf();
  return f;
}

/** One subtask's result in a `delegated` trigger (ABI 1.1): input and output as JSON text. */
export class SubtaskResult {
  key: string = '';
  agent: string = '';
  input: string = 'null';
  output: string = 'null';
}

/** The results of a `delegated` trigger (with judges_delegations), in order; null for another kind. */
export function delegatedResults(trigger: JSON.Obj): SubtaskResult[] | null {
  const kind = trigger.getString('kind');
  if (kind === null || kind.valueOf() != 'delegated') return null;
  const out = new Array<SubtaskResult>();
  const list = trigger.getArr('results');
  if (list === null) return out;
  const items = list.valueOf();
  for (let k = 0; k < items.length; k++) {
    const o = changetype<JSON.Obj>(items[k]);
    const r = new SubtaskResult();
    r.key = o.getString('key')!.valueOf();
    r.agent = o.getString('agent')!.valueOf();
    r.input = stringify(o.get('input'));
    r.output = stringify(o.get('output'));
    out.push(r);
  }
  return out;
}
