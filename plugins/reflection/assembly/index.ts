// reflection as an ABI v1 plugin: a generator task drafts, a critic task (downstream of it) judges the
// draft; until the critic approves (pattern_config.approve_field is true, or a number >= threshold) the
// generator, the tasks between, and the critic run again with the critique and the last draft added
// to their input. pattern_config.max_rounds bounds the loop; then the last draft is accepted unapproved
// (on_exhausted: accept) or the run fails (on_exhausted: fail, BATON_E_REFLECTION_ROUNDS). The critic's
// output becomes { approved, rounds, draft, critique, history }, which the graph goes on with.

import {
  input,
  output,
  quote,
  stringify,
  JSON,
  refuseConfig as refuse,
  stringList as strList,
} from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output(
    '{"abi_version":"1.0","kind":"pattern","name":"reflection","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"generator":{"type":"string","minLength":1,"description":"the drafting task (default: the first task)"},' +
      '"critic":{"type":"string","minLength":1,"description":"the judging task, downstream of the generator (default: the second task)"},' +
      '"max_rounds":{"type":"integer","minimum":1,"maximum":100,"default":3},' +
      '"approve_field":{"type":"string","minLength":1,"default":"approved","description":"the critic output field that approves"},' +
      '"threshold":{"type":"number","description":"when set, approve_field is a score and approves at or above it; else it is a boolean"},' +
      '"critique_field":{"type":"string","minLength":1,"description":"the critic output field passed back as critique (default: the whole output)"},' +
      '"on_exhausted":{"enum":["accept","fail"],"default":"accept"}}}}',
  );
  return 0;
}

const str = quote;

/** A JSON number (integer or float) as f64. */
function numberOf(v: JSON.Value): f64 {
  return v.isInteger ? <f64>(<JSON.Integer>v).valueOf() : (<JSON.Num>v).valueOf();
}

/** The config key `name` as a non-empty string; "" when absent; null when present but not one. */
function stringKey(config: JSON.Obj, name: string): string | null {
  const v = config.get(name);
  if (v === null) return '';
  if (!v.isString || (<JSON.Str>v).valueOf().length == 0) return null;
  return (<JSON.Str>v).valueOf();
}

/** Task indices reachable from `from` over `edges` (from excluded). */
function reach(edges: Array<Array<i32>>, from: i32): Set<i32> {
  const seen = new Set<i32>();
  const stack: Array<i32> = [from];
  while (stack.length > 0) {
    const i = stack.pop();
    const next = edges[i];
    for (let k = 0; k < next.length; k++) {
      const j = next[k];
      if (seen.has(j)) continue;
      seen.add(j);
      stack.push(j);
    }
  }
  return seen;
}

const KEYS = [
  'generator',
  'critic',
  'max_rounds',
  'approve_field',
  'threshold',
  'critique_field',
  'on_exhausted',
];

export function pattern_init(): i32 {
  const req = input();
  const got = req.getObj('config');
  const config = got === null ? new JSON.Obj() : got;
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    if (!KEYS.includes(keys[k])) return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
  }
  const tasks = req.getArr('tasks')!.valueOf();
  const ids = new Array<string>();
  const index = new Map<string, i32>();
  for (let k = 0; k < tasks.length; k++) {
    const id = changetype<JSON.Obj>(tasks[k]).getString('id')!.valueOf();
    index.set(id, k);
    ids.push(id);
  }
  let generator = stringKey(config, 'generator');
  if (generator === null) return refuse('pattern_config.generator: expected a task id');
  if (generator.length == 0) generator = ids[0];
  let critic = stringKey(config, 'critic');
  if (critic === null) return refuse('pattern_config.critic: expected a task id');
  if (critic.length == 0) {
    if (ids.length < 2) return refuse('reflection needs a generator task and a critic task');
    critic = ids[1];
  }
  const gen = generator!;
  const cri = critic!;
  if (!index.has(gen)) return refuse('pattern_config.generator names "' + gen + '", which is not a task');
  if (!index.has(cri)) return refuse('pattern_config.critic names "' + cri + '", which is not a task');
  if (gen == cri) return refuse('pattern_config.critic must be another task than the generator');

  let maxRounds: i64 = 3;
  const m = config.get('max_rounds');
  if (m !== null) {
    if (!m.isInteger) return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
    maxRounds = (<JSON.Integer>m).valueOf();
    if (maxRounds < 1 || maxRounds > 100)
      return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
  }
  let field = stringKey(config, 'approve_field');
  if (field === null) return refuse('pattern_config.approve_field: expected a field name');
  if (field.length == 0) field = 'approved';
  const critiqueField = stringKey(config, 'critique_field');
  if (critiqueField === null) return refuse('pattern_config.critique_field: expected a field name');
  let threshold = 'null';
  const th = config.get('threshold');
  if (th !== null) {
    if (!th.isInteger && !th.isNum) return refuse('pattern_config.threshold: expected a number');
    threshold = stringify(th);
  }
  let onExhausted = stringKey(config, 'on_exhausted');
  if (onExhausted === null || (onExhausted.length > 0 && onExhausted != 'accept' && onExhausted != 'fail')) {
    return refuse('pattern_config.on_exhausted: expected "accept" or "fail"');
  }
  if (onExhausted.length == 0) onExhausted = 'accept';

  // The loop: the generator, every task on a path from it to the critic, and the critic.
  const forward = new Array<Array<i32>>();
  const backward = new Array<Array<i32>>();
  for (let i = 0; i < ids.length; i++) {
    forward.push(new Array<i32>());
    backward.push(new Array<i32>());
  }
  for (let j = 0; j < tasks.length; j++) {
    const deps = changetype<JSON.Obj>(tasks[j]).getArr('depends_on');
    if (deps === null) continue;
    const list = deps.valueOf();
    for (let k = 0; k < list.length; k++) {
      const d = (<JSON.Str>list[k]).valueOf();
      if (!index.has(d)) continue;
      forward[index.get(d)].push(j);
      backward[j].push(index.get(d));
    }
  }
  const g = index.get(gen);
  const c = index.get(cri);
  const after = reach(forward, g);
  if (!after.has(c)) {
    return refuse('the critic "' + cri + '" must depend on the generator "' + gen + '" (depends_on)');
  }
  const before = reach(backward, c);
  const loop = new Array<string>();
  loop.push(gen);
  for (let i = 0; i < ids.length; i++) if (i != c && after.has(i) && before.has(i)) loop.push(ids[i]);
  output(
    '{"setup":{"state":{"generator":' +
      str(gen) +
      ',"critic":' +
      str(cri) +
      ',"loop":' +
      strList(loop) +
      ',"maxRounds":' +
      maxRounds.toString() +
      ',"field":' +
      str(field!) +
      ',"threshold":' +
      threshold +
      ',"critiqueField":' +
      (critiqueField!.length > 0 ? str(critiqueField!) : 'null') +
      ',"onExhausted":' +
      str(onExhausted!) +
      ',"draft":null,"history":[]},"judges":' +
      strList([gen, cri]) +
      ',"holds":[],"serial":false}}',
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

/** The state with a new draft and history (the only fields a step changes). */
function withProgress(s: JSON.Obj, draft: string, history: string): string {
  return (
    '{"generator":' +
    stringify(s.get('generator')!) +
    ',"critic":' +
    stringify(s.get('critic')!) +
    ',"loop":' +
    stringify(s.get('loop')!) +
    ',"maxRounds":' +
    stringify(s.get('maxRounds')!) +
    ',"field":' +
    stringify(s.get('field')!) +
    ',"threshold":' +
    stringify(s.get('threshold')!) +
    ',"critiqueField":' +
    stringify(s.get('critiqueField')!) +
    ',"onExhausted":' +
    stringify(s.get('onExhausted')!) +
    ',"draft":' +
    draft +
    ',"history":' +
    history +
    '}'
  );
}

/** What the critic's task completes with: the verdict, and the draft it is about. */
function result(ok: bool, round: i64, draft: string, critique: string, history: string): string {
  return (
    '{"approved":' +
    (ok ? 'true' : 'false') +
    ',"rounds":' +
    round.toString() +
    ',"draft":' +
    draft +
    ',"critique":' +
    critique +
    ',"history":' +
    history +
    '}'
  );
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const state = stringify(s);
  const trigger = req.getObj('trigger')!;
  const kind = trigger.getString('kind');
  if (kind !== null && kind.valueOf() != 'output') return answer(state, '{"op":"continue"}');
  const key = trigger.getString('key')!.valueOf();
  const task = trigger.getString('task')!.valueOf();
  const round = trigger.getInteger('round')!.valueOf();
  const raw = trigger.get('output');
  const outJson = raw === null ? 'null' : stringify(raw);
  const history = s.getArr('history')!.valueOf();

  if (task == s.getString('generator')!.valueOf()) {
    // A new draft: remember it for the critic's verdict, let the graph take it to the critic.
    return answer(withProgress(s, outJson, stringify(s.get('history')!)), '{"op":"continue"}');
  }
  if (task != s.getString('critic')!.valueOf()) return answer(state, '{"op":"continue"}');

  const field = s.getString('field')!.valueOf();
  const threshold = s.get('threshold')!;
  const verdict = raw !== null && raw.isObj ? (<JSON.Obj>raw).get(field) : null;
  let approved = false;
  let mark = '';
  if (threshold.isNull) {
    if (verdict === null || !verdict.isBool) {
      return answer(
        state,
        failure(
          'BATON_E_PATTERN_OUTPUT',
          key,
          'the critic must answer an object whose "' + field + '" is true or false',
        ),
      );
    }
    approved = (<JSON.Bool>verdict).valueOf();
    mark = approved ? 'true' : 'false';
  } else {
    if (verdict === null || !(verdict.isInteger || verdict.isNum)) {
      return answer(
        state,
        failure(
          'BATON_E_PATTERN_OUTPUT',
          key,
          'the critic must answer an object whose "' + field + '" is a number',
        ),
      );
    }
    approved = numberOf(verdict) >= numberOf(threshold);
    mark = stringify(verdict);
  }
  let historyJson = '[';
  for (let k = 0; k < history.length; k++) historyJson += stringify(history[k]) + ',';
  historyJson +=
    '{"round":' + round.toString() + ',"' + (threshold.isNull ? 'approved' : 'score') + '":' + mark + '}]';
  const draft = stringify(s.get('draft')!);
  const next = withProgress(s, draft, historyJson);
  const cf = s.get('critiqueField')!;
  let critique = outJson;
  if (cf.isString) {
    const c = (<JSON.Obj>raw).get((<JSON.Str>cf).valueOf());
    critique = c === null ? 'null' : stringify(c);
  }
  if (approved) {
    return answer(
      next,
      '{"op":"continue","output":' +
        result(true, round, draft, critique, historyJson) +
        ',"reason":"approved in round ' +
        round.toString() +
        '"}',
    );
  }
  const maxRounds = s.getInteger('maxRounds')!.valueOf();
  if (round >= maxRounds) {
    if (s.getString('onExhausted')!.valueOf() == 'fail') {
      return answer(
        next,
        failure(
          'BATON_E_REFLECTION_ROUNDS',
          key,
          'the critic did not approve within pattern_config.max_rounds (' + maxRounds.toString() + ')',
        ),
      );
    }
    return answer(
      next,
      '{"op":"continue","output":' +
        result(false, round, draft, critique, historyJson) +
        ',"reason":"rounds_exhausted"}',
    );
  }
  const loop = stringify(s.getArr('loop')!);
  return answer(
    next,
    '{"op":"rerun","also":' +
      loop +
      ',"input":{"critique":' +
      critique +
      ',"draft":' +
      draft +
      ',"round":' +
      (round + 1).toString() +
      '},"reason":"not approved in round ' +
      round.toString() +
      '"}',
  );
}
