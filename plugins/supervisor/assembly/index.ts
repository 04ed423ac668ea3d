// supervisor as an ABI v1 plugin: the AssemblyScript port of src/core/patterns/supervisor.ts, verdict for
// verdict (test/integration/wasm/supervisor-parity.test.ts runs both on the same scenarios).
// - Review: the supervisor's last task. `{ decision: "revise", revise?, reason? }` reruns the tasks
//   between its first task and the review (and the review) with `feedback` added to their input.
// - Delegation: `{ delegate: [{ agent?, requires?, input }] }` runs each subtask on the named agent or
//   the first declared agent with every capability required, then the task again with `results`.
// A task in its max_rounds-th round that asks for more lets the graph go on (`rounds_exhausted`).

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
    '{"abi_version":"1.0","kind":"pattern","name":"supervisor","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{"supervisor":{"type":"string","minLength":1},' +
      '"max_rounds":{"type":"integer","minimum":1,"maximum":1000,"default":3}}}}',
  );
  return 0;
}

const str = quote;

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

export function pattern_init(): i32 {
  const req = input();
  let maxRounds: i64 = 3;
  let supervisor: string | null = null;
  const config = req.getObj('config');
  if (config !== null) {
    const keys = config.keys;
    for (let k = 0; k < keys.length; k++) {
      if (keys[k] != 'max_rounds' && keys[k] != 'supervisor') {
        return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
      }
    }
    const m = config.get('max_rounds');
    if (m !== null) {
      if (!m.isInteger) return refuse('pattern_config.max_rounds: expected an integer from 1 to 1000');
      maxRounds = (<JSON.Integer>m).valueOf();
      if (maxRounds < 1 || maxRounds > 1000)
        return refuse('pattern_config.max_rounds: expected an integer from 1 to 1000');
    }
    const s = config.get('supervisor');
    if (s !== null) {
      if (!s.isString || (<JSON.Str>s).valueOf().length == 0) {
        return refuse('pattern_config.supervisor: expected the id of a declared agent');
      }
      supervisor = (<JSON.Str>s).valueOf();
    }
  }
  const tasks = req.getArr('tasks')!.valueOf();
  const ids = new Array<string>();
  const agentOf = new Array<string>();
  const index = new Map<string, i32>();
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = t.getString('id')!.valueOf();
    const a = t.getString('agent');
    index.set(id, ids.length);
    ids.push(id);
    agentOf.push(a === null ? '' : a.valueOf());
  }
  if (supervisor === null) {
    if (tasks.length == 0 || agentOf[0].length == 0) {
      return refuse('the first task has no agent: name the supervisor in pattern_config.supervisor');
    }
    supervisor = agentOf[0];
  }
  const sup = supervisor!;
  const agents = req.getArr('agents')!.valueOf();
  let declared = false;
  let cards = '';
  for (let k = 0; k < agents.length; k++) {
    const a = changetype<JSON.Obj>(agents[k]);
    const id = a.getString('id')!.valueOf();
    if (id == sup) declared = true;
    cards +=
      (k > 0 ? ',' : '') +
      '{"id":' +
      str(id) +
      ',"capabilities":' +
      stringify(a.getArr('capabilities')!) +
      '}';
  }
  if (!declared)
    return refuse('pattern_config.supervisor names "' + sup + '", which is not a declared agent');
  const own = new Array<i32>();
  for (let i = 0; i < ids.length; i++) if (agentOf[i] == sup) own.push(i);
  if (own.length == 0) return refuse('the supervisor agent "' + sup + '" has no task');
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
      const i = index.get(d);
      forward[i].push(j);
      backward[j].push(i);
    }
  }
  const first = own[0];
  const review = own[own.length - 1];
  const after = reach(forward, first);
  const before = reach(backward, review);
  const members = new Array<string>();
  for (let i = 0; i < ids.length; i++) if (i != review && after.has(i) && before.has(i)) members.push(ids[i]);
  const judges = new Array<string>();
  for (let k = 0; k < own.length; k++) judges.push(ids[own[k]]);
  output(
    '{"setup":{"state":{"review":' +
      str(ids[review]) +
      ',"members":' +
      strList(members) +
      ',"maxRounds":' +
      maxRounds.toString() +
      ',"agents":[' +
      cards +
      ']},"judges":' +
      strList(judges) +
      ',"holds":[],"serial":false}}',
  );
  return 0;
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

const failure = (code: string, key: string, message: string): string =>
  '{"op":"fail","error":{"code":"' + code + '","message":' + str(key + ': ' + message) + '}}';

/** The subtask `{agent, input}` JSON for delegate[k], or a failure decision (starting with `{"op"`). */
function route(agents: Array<JSON.Value>, key: string, k: i32, ask: JSON.Value): string {
  const where = 'delegate[' + k.toString() + ']';
  const shape = failure(
    'BATON_E_PATTERN_OUTPUT',
    key,
    where + ' must be { agent?: string, requires?: string[], input }',
  );
  if (!ask.isObj) return shape;
  const o = <JSON.Obj>ask;
  const agent = o.get('agent');
  if (agent !== null && !agent.isString) return shape;
  const requires = new Array<string>();
  const r = o.get('requires');
  if (r !== null && !r.isNull) {
    if (!r.isArr) return shape;
    const list = (<JSON.Arr>r).valueOf();
    for (let n = 0; n < list.length; n++) {
      if (!list[n].isString) return shape;
      requires.push((<JSON.Str>list[n]).valueOf());
    }
  }
  const i = o.get('input');
  const inputJson = i === null || i.isNull ? 'null' : stringify(i);
  if (agent !== null) {
    const name = (<JSON.Str>agent).valueOf();
    for (let n = 0; n < agents.length; n++) {
      const card = changetype<JSON.Obj>(agents[n]);
      if (card.getString('id')!.valueOf() != name) continue;
      if (!capable(card, requires)) {
        return failure(
          'BATON_E_CAPABILITY_MISMATCH',
          key,
          where + ' sends agent "' + name + '" work requiring ' + strList(requires) + ', which it lacks',
        );
      }
      return '{"agent":' + str(name) + ',"input":' + inputJson + '}';
    }
    return failure(
      'BATON_E_UNKNOWN_AGENT',
      key,
      where + ' names agent "' + name + '", which is not declared',
    );
  }
  if (requires.length == 0) {
    return failure(
      'BATON_E_PATTERN_OUTPUT',
      key,
      where + ' names neither an agent nor the capabilities it requires',
    );
  }
  for (let n = 0; n < agents.length; n++) {
    const card = changetype<JSON.Obj>(agents[n]);
    if (capable(card, requires))
      return '{"agent":' + str(card.getString('id')!.valueOf()) + ',"input":' + inputJson + '}';
  }
  return failure(
    'BATON_E_CAPABILITY_MISMATCH',
    key,
    where + ': no declared agent has every capability in ' + strList(requires),
  );
}

function capable(card: JSON.Obj, requires: Array<string>): bool {
  const caps = card.getArr('capabilities')!.valueOf();
  for (let n = 0; n < requires.length; n++) {
    let found = false;
    for (let m = 0; m < caps.length; m++) if ((<JSON.Str>caps[m]).valueOf() == requires[n]) found = true;
    if (!found) return false;
  }
  return true;
}

export function pattern_step(): i32 {
  const req = input();
  const stateObj = req.getObj('state')!;
  const state = stringify(stateObj);
  const trigger = req.getObj('trigger')!;
  const key = trigger.getString('key')!.valueOf();
  const task = trigger.getString('task')!.valueOf();
  const round = trigger.getInteger('round')!.valueOf();
  const again = round < stateObj.getInteger('maxRounds')!.valueOf();
  const raw = trigger.get('output');
  const out = raw !== null && raw.isObj ? <JSON.Obj>raw : new JSON.Obj();
  const delegate = out.get('delegate');
  if (delegate !== null && !delegate.isNull) {
    if (!delegate.isArr)
      return answer(state, failure('BATON_E_PATTERN_OUTPUT', key, 'delegate must be a list of subtasks'));
    const asks = (<JSON.Arr>delegate).valueOf();
    if (asks.length > 0) {
      if (!again) return answer(state, '{"op":"continue","reason":"rounds_exhausted"}');
      const agents = stateObj.getArr('agents')!.valueOf();
      let subtasks = '';
      for (let k = 0; k < asks.length; k++) {
        const r = route(agents, key, k, asks[k]);
        if (r.startsWith('{"op"')) return answer(state, r);
        subtasks += (k > 0 ? ',' : '') + r;
      }
      return answer(state, '{"op":"delegate","subtasks":[' + subtasks + ']}');
    }
  }
  const decision = out.get('decision');
  const revise = decision !== null && decision.isString && (<JSON.Str>decision).valueOf() == 'revise';
  if (task != stateObj.getString('review')!.valueOf() || !revise) return answer(state, '{"op":"continue"}');
  if (!again) return answer(state, '{"op":"continue","reason":"rounds_exhausted"}');
  const rv = out.get('revise');
  const rs = out.get('reason');
  const feedback =
    '{"round":' +
    (round + 1).toString() +
    ',"revise":' +
    (rv === null || rv.isNull ? '[]' : stringify(rv)) +
    ',"reason":' +
    (rs === null || rs.isNull ? 'null' : stringify(rs)) +
    '}';
  return answer(
    state,
    '{"op":"rerun","also":' +
      stringify(stateObj.getArr('members')!) +
      ',"input":{"feedback":' +
      feedback +
      '}}',
  );
}
