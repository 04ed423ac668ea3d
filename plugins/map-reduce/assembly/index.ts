// map_reduce as an ABI 1.1 plugin. The map task's output is a list (or an object whose
// pattern_config.items_field is one); the pattern splits it into chunks of chunk_size (grown so there
// are at most max_chunks) and delegates chunk k to mappers[k mod n], all at once. It asks for the
// `delegated` trigger (judges_delegations), so the chunks' results come to it directly: the map task
// runs once. A chunk whose output is `{ error }` follows
// on_chunk_failure: retry (on the next mapper, at most max_retries times), skip, or fail
// (BATON_E_MAP_CHUNK_FAILED). When every chunk is done the map task completes with
// { items, chunks, results, skipped, retried }, which the reduce task (depending on it) receives.

import {
  input,
  output,
  quote,
  stringify,
  JSON,
  refuseConfig as refuse,
} from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output(
    '{"abi_version":"1.1","kind":"pattern","name":"map_reduce","version":"1.1.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"required":["mappers"],"properties":{' +
      '"map":{"type":"string","minLength":1,"description":"the task whose output is the list (default: the first task)"},' +
      '"mappers":{"type":"array","minItems":1,"items":{"type":"string","minLength":1},"description":"the agents chunks go to, in turn"},' +
      '"items_field":{"type":"string","minLength":1,"default":"items","description":"the list field when the map output is an object"},' +
      '"chunk_size":{"type":"integer","minimum":1,"default":10},' +
      '"max_chunks":{"type":"integer","minimum":1,"maximum":1000,"default":100},' +
      '"on_chunk_failure":{"enum":["retry","skip","fail"],"default":"retry"},' +
      '"max_retries":{"type":"integer","minimum":0,"maximum":10,"default":1}}}}',
  );
  return 0;
}

const str = quote;

/** An integer config key within [min, max]; `fallback` when absent; -1 when malformed. */
function intKey(config: JSON.Obj, name: string, min: i64, max: i64, fallback: i64): i64 {
  const v = config.get(name);
  if (v === null) return fallback;
  if (!v.isInteger) return -1;
  const n = (<JSON.Integer>v).valueOf();
  return n < min || n > max ? -1 : n;
}

const KEYS = ['map', 'mappers', 'items_field', 'chunk_size', 'max_chunks', 'on_chunk_failure', 'max_retries'];

export function pattern_init(): i32 {
  const req = input();
  const got = req.getObj('config');
  const config = got === null ? new JSON.Obj() : got;
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    if (!KEYS.includes(keys[k])) return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
  }
  const tasks = req.getArr('tasks')!.valueOf();
  const agents = req.getArr('agents')!.valueOf();
  const declared = new Array<string>();
  for (let k = 0; k < agents.length; k++)
    declared.push(changetype<JSON.Obj>(agents[k]).getString('id')!.valueOf());

  let map = changetype<JSON.Obj>(tasks[0]).getString('id')!.valueOf();
  const m = config.get('map');
  if (m !== null) {
    if (!m.isString) return refuse('pattern_config.map: expected a task id');
    map = (<JSON.Str>m).valueOf();
  }
  let found = false;
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    if (t.getString('id')!.valueOf() != map) continue;
    found = true;
    if (t.getString('agent') === null) return refuse('the map task "' + map + '" has no agent');
  }
  if (!found) return refuse('pattern_config.map names "' + map + '", which is not a task');

  const mv = config.get('mappers');
  if (mv === null || !mv.isArr || (<JSON.Arr>mv).valueOf().length == 0) {
    return refuse('pattern_config.mappers is required: the agents the chunks go to');
  }
  const list = (<JSON.Arr>mv).valueOf();
  for (let k = 0; k < list.length; k++) {
    const where = 'pattern_config.mappers[' + k.toString() + ']';
    if (!list[k].isString) return refuse(where + ': expected an agent id');
    const id = (<JSON.Str>list[k]).valueOf();
    if (!declared.includes(id)) return refuse(where + ' names "' + id + '", which is not a declared agent');
  }
  const chunkSize = intKey(config, 'chunk_size', 1, 1000000, 10);
  if (chunkSize < 0) return refuse('pattern_config.chunk_size: expected an integer of at least 1');
  const maxChunks = intKey(config, 'max_chunks', 1, 1000, 100);
  if (maxChunks < 0) return refuse('pattern_config.max_chunks: expected an integer from 1 to 1000');
  const maxRetries = intKey(config, 'max_retries', 0, 10, 1);
  if (maxRetries < 0) return refuse('pattern_config.max_retries: expected an integer from 0 to 10');
  let field = 'items';
  const f = config.get('items_field');
  if (f !== null) {
    if (!f.isString || (<JSON.Str>f).valueOf().length == 0)
      return refuse('pattern_config.items_field: expected a field name');
    field = (<JSON.Str>f).valueOf();
  }
  let rule = 'retry';
  const r = config.get('on_chunk_failure');
  if (r !== null) {
    const v = r.isString ? (<JSON.Str>r).valueOf() : '';
    if (v != 'retry' && v != 'skip' && v != 'fail') {
      return refuse('pattern_config.on_chunk_failure: expected "retry", "skip" or "fail"');
    }
    rule = v;
  }
  output(
    '{"setup":{"state":{"map":' +
      str(map) +
      ',"mappers":' +
      stringify(mv) +
      ',"field":' +
      str(field) +
      ',"chunkSize":' +
      chunkSize.toString() +
      ',"maxChunks":' +
      maxChunks.toString() +
      ',"rule":' +
      str(rule) +
      ',"maxRetries":' +
      maxRetries.toString() +
      ',"items":0,"chunks":[],"pending":[],"retried":0},"judges":[' +
      str(map) +
      '],"holds":[],"serial":false,"judges_delegations":true}}',
  );
  return 0;
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

function failure(code: string, key: string, message: string): string {
  return '{"op":"fail","error":{"code":"' + code + '","message":' + str(key + ': ' + message) + '}}';
}

function isFailure(v: JSON.Value | null): bool {
  if (v === null || v.isNull) return true;
  if (!v.isObj) return false;
  const e = (<JSON.Obj>v).get('error');
  return e !== null && !e.isNull && !(e.isBool && !(<JSON.Bool>e).valueOf());
}

/** One chunk as the state keeps it. */
class Chunk {
  constructor(
    public input: string,
    public agent: i32,
    public tries: i32,
    public status: string,
    public output: string,
  ) {}
  json(): string {
    return (
      '{"input":' +
      this.input +
      ',"agent":' +
      this.agent.toString() +
      ',"tries":' +
      this.tries.toString() +
      ',"status":"' +
      this.status +
      '","output":' +
      this.output +
      '}'
    );
  }
}

function stateJson(s: JSON.Obj, items: i64, chunks: Array<Chunk>, pending: Array<i32>, retried: i64): string {
  let c = '[';
  for (let k = 0; k < chunks.length; k++) c += (k > 0 ? ',' : '') + chunks[k].json();
  let p = '[';
  for (let k = 0; k < pending.length; k++) p += (k > 0 ? ',' : '') + pending[k].toString();
  return (
    '{"map":' +
    stringify(s.get('map')!) +
    ',"mappers":' +
    stringify(s.get('mappers')!) +
    ',"field":' +
    stringify(s.get('field')!) +
    ',"chunkSize":' +
    stringify(s.get('chunkSize')!) +
    ',"maxChunks":' +
    stringify(s.get('maxChunks')!) +
    ',"rule":' +
    stringify(s.get('rule')!) +
    ',"maxRetries":' +
    stringify(s.get('maxRetries')!) +
    ',"items":' +
    items.toString() +
    ',"chunks":' +
    c +
    '],"pending":' +
    p +
    '],"retried":' +
    retried.toString() +
    '}'
  );
}

/** The delegate decision for the pending chunks, each on its current mapper. */
function delegate(
  mappers: Array<JSON.Value>,
  chunks: Array<Chunk>,
  pending: Array<i32>,
  reason: string,
): string {
  let subtasks = '';
  for (let k = 0; k < pending.length; k++) {
    const c = chunks[pending[k]];
    subtasks += (k > 0 ? ',' : '') + '{"agent":' + stringify(mappers[c.agent]) + ',"input":' + c.input + '}';
  }
  return '{"op":"delegate","subtasks":[' + subtasks + '],"reason":' + str(reason) + '}';
}

function readChunks(s: JSON.Obj): Array<Chunk> {
  const list = s.getArr('chunks')!.valueOf();
  const chunks = new Array<Chunk>();
  for (let k = 0; k < list.length; k++) {
    const o = changetype<JSON.Obj>(list[k]);
    chunks.push(
      new Chunk(
        stringify(o.get('input')!),
        <i32>o.getInteger('agent')!.valueOf(),
        <i32>o.getInteger('tries')!.valueOf(),
        o.getString('status')!.valueOf(),
        stringify(o.get('output')!),
      ),
    );
  }
  return chunks;
}

/** Round 1: split the map task's list into chunks and delegate them all. */
function split(s: JSON.Obj, key: string, raw: JSON.Value | null): i32 {
  const field = s.getString('field')!.valueOf();
  let list: JSON.Arr | null = null;
  if (raw !== null && raw.isArr) list = <JSON.Arr>raw;
  else if (raw !== null && raw.isObj) list = (<JSON.Obj>raw).getArr(field);
  if (list === null) {
    return answer(
      stringify(s),
      failure(
        'BATON_E_PATTERN_OUTPUT',
        key,
        'the map task must answer a list, or an object whose "' + field + '" is a list',
      ),
    );
  }
  const items = list.valueOf();
  const n = items.length;
  const mappers = s.getArr('mappers')!.valueOf();
  let size = <i32>s.getInteger('chunkSize')!.valueOf();
  const maxChunks = <i32>s.getInteger('maxChunks')!.valueOf();
  // More chunks than max_chunks: grow the chunks instead (the bound holds for any list).
  if ((n + size - 1) / size > maxChunks) size = (n + maxChunks - 1) / maxChunks;
  const count = n == 0 ? 0 : (n + size - 1) / size;
  const chunks = new Array<Chunk>();
  const pending = new Array<i32>();
  for (let k = 0; k < count; k++) {
    let part = '[';
    const end = min(n, (k + 1) * size);
    for (let i = k * size; i < end; i++) part += (i > k * size ? ',' : '') + stringify(items[i]);
    part += ']';
    const chunkInput =
      '{"chunk":' +
      part +
      ',"chunk_index":' +
      k.toString() +
      ',"chunks":' +
      count.toString() +
      ',"offset":' +
      (k * size).toString() +
      '}';
    chunks.push(new Chunk(chunkInput, k % mappers.length, 1, 'mapping', 'null'));
    pending.push(k);
  }
  if (count == 0) return finish(s, 0, chunks, 0);
  return answer(
    stateJson(s, n, chunks, pending, 0),
    delegate(
      mappers,
      chunks,
      pending,
      n.toString() + ' items in ' + count.toString() + ' chunks of up to ' + size.toString(),
    ),
  );
}

/** Every chunk is done: the map task completes with the results, in chunk order. */
function finish(s: JSON.Obj, items: i64, chunks: Array<Chunk>, retried: i64): i32 {
  let results = '[';
  let skipped = '[';
  let first = true;
  for (let k = 0; k < chunks.length; k++) {
    results += (k > 0 ? ',' : '') + (chunks[k].status == 'done' ? chunks[k].output : 'null');
    if (chunks[k].status == 'skipped') {
      skipped += (first ? '' : ',') + k.toString();
      first = false;
    }
  }
  return answer(
    stateJson(s, items, chunks, new Array<i32>(), retried),
    '{"op":"continue","output":{"items":' +
      items.toString() +
      ',"chunks":' +
      chunks.length.toString() +
      ',"results":' +
      results +
      '],"skipped":' +
      skipped +
      '],"retried":' +
      retried.toString() +
      '}}',
  );
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  const kindValue = trigger.getString('kind');
  const kind = kindValue === null ? 'output' : kindValue.valueOf();
  if (kind != 'output' && kind != 'delegated') return answer(stringify(s), '{"op":"continue"}');
  const key = trigger.getString('key')!.valueOf();
  const pendingList = s.getArr('pending')!.valueOf();
  if (kind == 'output') return split(s, key, trigger.get('output'));

  // The chunks delegated last are all done: their results, in the order they were delegated.
  const back = trigger.getArr('results');
  if (back === null || back.valueOf().length != pendingList.length) {
    return answer(
      stringify(s),
      failure(
        'BATON_E_PATTERN_OUTPUT',
        key,
        'expected the results of the ' + pendingList.length.toString() + ' chunks delegated last',
      ),
    );
  }
  const results = back.valueOf();
  const chunks = readChunks(s);
  const mappers = s.getArr('mappers')!.valueOf();
  const rule = s.getString('rule')!.valueOf();
  const maxRetries = <i32>s.getInteger('maxRetries')!.valueOf();
  const items = s.getInteger('items')!.valueOf();
  let retried = s.getInteger('retried')!.valueOf();
  const again = new Array<i32>();
  let failedNames = '';
  for (let k = 0; k < pendingList.length; k++) {
    const c = <i32>(<JSON.Integer>pendingList[k]).valueOf();
    const r = results[k];
    const out = r.isObj ? (<JSON.Obj>r).get('output') : null;
    const chunk = chunks[c];
    if (!isFailure(out)) {
      chunk.status = 'done';
      chunk.output = stringify(out!);
      continue;
    }
    const where = 'chunk ' + c.toString() + ' on ' + stringify(mappers[chunk.agent]);
    if (rule == 'skip') {
      chunk.status = 'skipped';
      chunk.output = out === null ? 'null' : stringify(out);
    } else if (rule == 'retry' && chunk.tries <= maxRetries) {
      // Retry elsewhere: the next mapper in turn (the same one when there is only one).
      chunk.agent = (chunk.agent + 1) % mappers.length;
      chunk.tries++;
      retried++;
      again.push(c);
    } else {
      failedNames +=
        (failedNames.length > 0 ? '; ' : '') + where + ': ' + (out === null ? 'no output' : stringify(out));
    }
  }
  if (failedNames.length > 0) {
    const why = rule == 'retry' ? ' (after ' + maxRetries.toString() + ' retries)' : '';
    return answer(
      stateJson(s, items, chunks, again, retried),
      failure('BATON_E_MAP_CHUNK_FAILED', key, 'a chunk failed' + why + ': ' + failedNames),
    );
  }
  if (again.length > 0) {
    return answer(
      stateJson(s, items, chunks, again, retried),
      delegate(
        mappers,
        chunks,
        again,
        'retrying ' + again.length.toString() + ' failed chunks on the next mapper',
      ),
    );
  }
  return finish(s, items, chunks, retried);
}
