// swarm as an ABI v1 plugin: one task fans out (parallel + for_each: many agent instances on the same
// work, each with its own variant, or on partitions), and the pattern aggregates the instances'
// answers by pattern_config.aggregate (vote | merge | first_success | best_score). The task completes
// with { aggregate, swarm: { strategy, ...how it was reached } } and the graph goes on with it. An
// instance answering { error } is left out (listed in `failed`); with no answer left (or a vote short
// of its quorum) the run fails (BATON_E_SWARM_NO_RESULT). One pattern step per run of the task.
// Why a fan-out and not one task per agent: the engine asks a plugin about concurrent outputs with the
// state as it was when each arrived, so a pattern that counts answers across parallel tasks would lose
// some (see docs/patterns.md#swarm).

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
    '{"abi_version":"1.0","kind":"pattern","name":"swarm","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"task":{"type":"string","minLength":1,"description":"the fanning-out task whose instances answer (default: the first task)"},' +
      '"aggregate":{"enum":["vote","merge","first_success","best_score"],"default":"vote"},' +
      '"field":{"type":"string","minLength":1,"description":"vote: the field voted on (default answer); best_score: the score (default score)"},' +
      '"quorum":{"type":"integer","minimum":1,"default":1,"description":"vote: the votes the winner needs"}}}}',
  );
  return 0;
}

const str = quote;

function intList(items: Array<i32>): string {
  let s = '[';
  for (let k = 0; k < items.length; k++) s += (k > 0 ? ',' : '') + items[k].toString();
  return s + ']';
}

function numberOf(v: JSON.Value): f64 {
  return v.isInteger ? <f64>(<JSON.Integer>v).valueOf() : (<JSON.Num>v).valueOf();
}

const STRATEGIES = ['vote', 'merge', 'first_success', 'best_score'];

export function pattern_init(): i32 {
  const req = input();
  const got = req.getObj('config');
  const config = got === null ? new JSON.Obj() : got;
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key != 'task' && key != 'aggregate' && key != 'field' && key != 'quorum') {
      return refuse('pattern_config: Unrecognized key: "' + key + '"');
    }
  }
  let strategy = 'vote';
  const a = config.get('aggregate');
  if (a !== null) {
    if (!a.isString || !STRATEGIES.includes((<JSON.Str>a).valueOf())) {
      return refuse('pattern_config.aggregate: expected one of vote, merge, first_success, best_score');
    }
    strategy = (<JSON.Str>a).valueOf();
  }
  let field = strategy == 'best_score' ? 'score' : 'answer';
  const f = config.get('field');
  if (f !== null) {
    if (!f.isString || (<JSON.Str>f).valueOf().length == 0)
      return refuse('pattern_config.field: expected a field name');
    field = (<JSON.Str>f).valueOf();
  }
  let quorum: i64 = 1;
  const q = config.get('quorum');
  if (q !== null) {
    if (!q.isInteger || (<JSON.Integer>q).valueOf() < 1)
      return refuse('pattern_config.quorum: expected an integer of at least 1');
    quorum = (<JSON.Integer>q).valueOf();
  }
  const tasks = req.getArr('tasks')!.valueOf();
  let task = changetype<JSON.Obj>(tasks[0]).getString('id')!.valueOf();
  const t = config.get('task');
  if (t !== null) {
    if (!t.isString) return refuse('pattern_config.task: expected a task id');
    task = (<JSON.Str>t).valueOf();
  }
  let found = false;
  for (let k = 0; k < tasks.length; k++) {
    const o = changetype<JSON.Obj>(tasks[k]);
    if (o.getString('id')!.valueOf() != task) continue;
    found = true;
    if (o.getString('agent') === null) return refuse('the swarm task "' + task + '" has no agent');
  }
  if (!found) return refuse('pattern_config.task names "' + task + '", which is not a task');
  output(
    '{"setup":{"state":{"task":' +
      str(task) +
      ',"strategy":' +
      str(strategy) +
      ',"field":' +
      str(field) +
      ',"quorum":' +
      quorum.toString() +
      '},"judges":[' +
      str(task) +
      '],"holds":[],"serial":false}}',
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

/** A member's answer that reports a failure ({ error: <not null> }) is left out of the aggregate. */
function isFailure(v: JSON.Value | null): bool {
  if (v === null || v.isNull) return true;
  if (!v.isObj) return false;
  const e = (<JSON.Obj>v).get('error');
  return e !== null && !e.isNull && !(e.isBool && !(<JSON.Bool>e).valueOf());
}

/** The part of an answer that is voted on: `field` of an object, else the answer itself. */
function ballot(v: JSON.Value, field: string): string {
  if (v.isObj) {
    const b = (<JSON.Obj>v).get(field);
    return b === null ? 'null' : stringify(b);
  }
  return stringify(v);
}

/** Lists concatenate; objects merge key by key (lists under a key concatenate, else the first value stays). */
function merge(outputs: Array<JSON.Value>): string {
  let allLists = true;
  for (let k = 0; k < outputs.length; k++) if (!outputs[k].isArr) allLists = false;
  if (allLists) {
    let s = '[';
    let first = true;
    for (let k = 0; k < outputs.length; k++) {
      const items = (<JSON.Arr>outputs[k]).valueOf();
      for (let n = 0; n < items.length; n++) {
        s += (first ? '' : ',') + stringify(items[n]);
        first = false;
      }
    }
    return s + ']';
  }
  const keys = new Array<string>();
  const values = new Map<string, string>();
  const lists = new Map<string, bool>();
  for (let k = 0; k < outputs.length; k++) {
    if (!outputs[k].isObj) continue;
    const o = <JSON.Obj>outputs[k];
    const own = o.keys;
    for (let n = 0; n < own.length; n++) {
      const key = own[n];
      const v = o.get(key)!;
      if (!values.has(key)) {
        keys.push(key);
        lists.set(key, v.isArr);
        values.set(key, v.isArr ? stringify(v).slice(1, -1) : stringify(v));
      } else if (lists.get(key) && v.isArr) {
        const more = stringify(v).slice(1, -1);
        const had = values.get(key);
        values.set(key, had.length == 0 ? more : more.length == 0 ? had : had + ',' + more);
      }
    }
  }
  let s = '{';
  for (let k = 0; k < keys.length; k++) {
    const v = values.get(keys[k]);
    s += (k > 0 ? ',' : '') + str(keys[k]) + ':' + (lists.get(keys[k]) ? '[' + v + ']' : v);
  }
  return s + '}';
}

/** The aggregate: the swarm task completes with it, and the graph goes on. */
function done(state: string, aggregate: string, how: string, reason: string): i32 {
  return answer(
    state,
    '{"op":"continue","output":{"aggregate":' +
      aggregate +
      ',"swarm":' +
      how +
      '},"reason":' +
      str(reason) +
      '}',
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
  if (task != s.getString('task')!.valueOf()) return answer(state, '{"op":"continue"}');
  const raw = trigger.get('output');
  if (raw === null || !raw.isArr) {
    return answer(
      state,
      failure(
        'BATON_E_PATTERN_OUTPUT',
        key,
        "the swarm task must fan out (parallel, for_each): its output is the list of its instances' answers",
      ),
    );
  }
  const strategy = s.getString('strategy')!.valueOf();
  const field = s.getString('field')!.valueOf();
  const answers = (<JSON.Arr>raw).valueOf();
  // Instances in order; those answering { error } apart.
  const ok = new Array<i32>();
  const okOutputs = new Array<JSON.Value>();
  const failed = new Array<i32>();
  for (let k = 0; k < answers.length; k++) {
    if (isFailure(answers[k])) failed.push(k);
    else {
      ok.push(k);
      okOutputs.push(answers[k]);
    }
  }
  if (okOutputs.length == 0) {
    return answer(
      state,
      failure(
        'BATON_E_SWARM_NO_RESULT',
        key,
        'none of the ' +
          answers.length.toString() +
          ' instances answered without an error (failed: ' +
          intList(failed) +
          ')',
      ),
    );
  }
  const tail = ',"answered":' + answers.length.toString() + ',"failed":' + intList(failed) + '}';
  if (strategy == 'first_success') {
    return done(
      state,
      stringify(okOutputs[0]),
      '{"strategy":"first_success","instance":' + ok[0].toString() + tail,
      'first success: instance ' + ok[0].toString(),
    );
  }
  if (strategy == 'merge') {
    return done(
      state,
      merge(okOutputs),
      '{"strategy":"merge","instances":' + intList(ok) + tail,
      'merged ' + ok.length.toString() + ' answers',
    );
  }
  if (strategy == 'best_score') {
    let best = -1;
    let bestScore: f64 = 0;
    let scores = '[';
    for (let k = 0; k < okOutputs.length; k++) {
      const o = okOutputs[k];
      const v = o.isObj ? (<JSON.Obj>o).get(field) : null;
      if (v === null || !(v.isInteger || v.isNum)) {
        return answer(
          state,
          failure(
            'BATON_E_PATTERN_OUTPUT',
            key,
            'instance ' + ok[k].toString() + ' answered without a number in "' + field + '"',
          ),
        );
      }
      const score = numberOf(v);
      scores += (k > 0 ? ',' : '') + stringify(v);
      if (best < 0 || score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    return done(
      state,
      stringify(okOutputs[best]),
      '{"strategy":"best_score","instance":' + ok[best].toString() + ',"scores":' + scores + ']' + tail,
      'best score: instance ' + ok[best].toString(),
    );
  }
  // vote: each distinct ballot with its voters, most votes first (ties: the ballot cast first)
  const ballots = new Array<string>();
  const voters = new Array<Array<i32>>();
  const firstOutput = new Array<i32>();
  for (let k = 0; k < okOutputs.length; k++) {
    const b = ballot(okOutputs[k], field);
    const at = ballots.indexOf(b);
    if (at < 0) {
      ballots.push(b);
      voters.push([ok[k]]);
      firstOutput.push(k);
    } else voters[at].push(ok[k]);
  }
  const order = new Array<i32>();
  const used = new Set<i32>();
  for (let r = 0; r < ballots.length; r++) {
    let pick = -1;
    for (let k = 0; k < ballots.length; k++) {
      if (used.has(k)) continue;
      if (pick < 0 || voters[k].length > voters[pick].length) pick = k;
    }
    used.add(pick);
    order.push(pick);
  }
  let votes = '[';
  for (let r = 0; r < order.length; r++) {
    const k = order[r];
    votes += (r > 0 ? ',' : '') + '{"answer":' + ballots[k] + ',"instances":' + intList(voters[k]) + '}';
  }
  votes += ']';
  const win = order[0];
  const quorum = s.getInteger('quorum')!.valueOf();
  if (<i64>voters[win].length < quorum) {
    return answer(
      state,
      failure(
        'BATON_E_SWARM_NO_RESULT',
        key,
        'no answer has the ' +
          quorum.toString() +
          ' votes pattern_config.quorum needs (best: ' +
          voters[win].length.toString() +
          ')',
      ),
    );
  }
  return done(
    state,
    stringify(okOutputs[firstOutput[win]]),
    '{"strategy":"vote","answer":' + ballots[win] + ',"votes":' + votes + tail,
    voters[win].length.toString() + ' of ' + answers.length.toString() + ' votes',
  );
}
