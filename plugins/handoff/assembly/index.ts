// handoff as an ABI v1 plugin: the AssemblyScript port of src/core/patterns/handoff.ts, verdict for
// verdict (test/integration/wasm/handoff-parity.test.ts runs both on the same scenarios). One agent
// is active at a time; an output with `handoff: "<agent>"` or `handoff: { to, input?, reason? }`
// completes the turn and runs that agent's task next, with every turn so far as `context`; an output
// without `handoff` completes the run. pattern_config.max_handoffs (default 8) bounds the handoffs.

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
    '{"abi_version":"1.0","kind":"pattern","name":"handoff","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{"max_handoffs":' +
      '{"type":"integer","minimum":0,"maximum":10000,"default":8}}}}',
  );
  return 0;
}

const str = quote;

export function pattern_init(): i32 {
  const req = input();
  let max: i64 = 8;
  const config = req.getObj('config');
  if (config !== null) {
    const keys = config.keys;
    for (let k = 0; k < keys.length; k++) {
      if (keys[k] != 'max_handoffs') return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
    }
    const v = config.get('max_handoffs');
    if (v !== null) {
      if (!v.isInteger) return refuse('pattern_config.max_handoffs: expected an integer from 0 to 10000');
      max = (<JSON.Integer>v).valueOf();
      if (max < 0 || max > 10000)
        return refuse('pattern_config.max_handoffs: expected an integer from 0 to 10000');
    }
  }
  const tasks = req.getArr('tasks');
  const list = tasks === null ? new Array<JSON.Value>() : tasks.valueOf();
  const agents = new Array<string>();
  let entries = '';
  let judges = '';
  let holds = '';
  for (let k = 0; k < list.length; k++) {
    const t = changetype<JSON.Obj>(list[k]);
    const id = t.getString('id')!.valueOf();
    const agentValue = t.getString('agent');
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (agentValue === null) {
      return refuse('task "' + id + '" has no agent: a handoff turn is an agent answering');
    }
    const agent = agentValue.valueOf();
    if ((deps !== null && deps.valueOf().length > 0) || (conditional !== null && conditional.valueOf())) {
      return refuse(
        'task "' + id + '" declares depends_on or when: handoff turns follow the agents, not the graph',
      );
    }
    if (agents.includes(agent)) {
      return refuse(
        'task "' +
          id +
          '" is a second task of agent "' +
          agent +
          '": a handoff to an agent runs its one task',
      );
    }
    agents.push(agent);
    if (k > 0) {
      entries += ',';
      judges += ',';
    }
    entries += '{"agent":' + str(agent) + ',"task":' + str(id) + '}';
    judges += str(id);
    if (k > 0) holds += (holds.length > 0 ? ',' : '') + str(id);
  }
  output(
    '{"setup":{"state":{"maxHandoffs":' +
      max.toString() +
      ',"handoffs":0,"entries":[' +
      entries +
      '],"context":[]},"judges":[' +
      judges +
      '],"holds":[' +
      holds +
      '],"serial":false}}',
  );
  return 0;
}

function fail(state: string, code: string, key: string, message: string): i32 {
  output(
    '{"state":' +
      state +
      ',"decision":{"op":"fail","error":{"code":"' +
      code +
      '","message":' +
      str(key + ': ' + message) +
      '}}}',
  );
  return 0;
}

/** The pattern's state (field for field what the TypeScript reducer kept). */
function stateJson(maxHandoffs: i64, handoffs: i64, entries: string, context: string): string {
  return (
    '{"maxHandoffs":' +
    maxHandoffs.toString() +
    ',"handoffs":' +
    handoffs.toString() +
    ',"entries":' +
    entries +
    ',"context":' +
    context +
    '}'
  );
}

export function pattern_step(): i32 {
  const req = input();
  const state = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  const key = trigger.getString('key')!.valueOf();
  const agentValue = trigger.getString('agent');
  const agent = agentValue === null ? 'null' : str(agentValue.valueOf());
  const out = trigger.get('output');
  const outJson = out === null ? 'null' : stringify(out);
  const maxHandoffs = state.getInteger('maxHandoffs')!.valueOf();
  const handoffs = state.getInteger('handoffs')!.valueOf();
  const entries = state.getArr('entries')!.valueOf();
  const before = state.getArr('context')!.valueOf();
  let context = '[';
  for (let k = 0; k < before.length; k++) context += stringify(before[k]) + ',';
  context += '{"agent":' + agent + ',"output":' + outJson + '}]';
  const entriesJson = stringify(state.getArr('entries')!);

  // The handoff the output asks for: none, a target, or malformed.
  const ask = out !== null && out.isObj ? (<JSON.Obj>out).get('handoff') : null;
  if (ask === null || ask.isNull) {
    output(
      '{"state":' + stateJson(maxHandoffs, handoffs, entriesJson, context) + ',"decision":{"op":"complete"}}',
    );
    return 0;
  }
  let to = '';
  let reason = 'null';
  let inputJson = 'null';
  if (ask.isString) {
    to = (<JSON.Str>ask).valueOf();
  } else if (ask.isObj && (<JSON.Obj>ask).getString('to') !== null) {
    const o = <JSON.Obj>ask;
    to = o.getString('to')!.valueOf();
    const r = o.get('reason');
    if (r !== null && !r.isNull) reason = stringify(r);
    const i = o.get('input');
    if (i !== null && !i.isNull) inputJson = stringify(i);
  } else {
    return fail(
      stateJson(maxHandoffs, handoffs, entriesJson, context),
      'BATON_E_PATTERN_OUTPUT',
      key,
      'handoff must be an agent id or { to: <agent id>, input?, reason? }',
    );
  }
  if (handoffs >= maxHandoffs) {
    return fail(
      stateJson(maxHandoffs, handoffs, entriesJson, context),
      'BATON_E_HANDOFF_LIMIT',
      key,
      'a handoff to "' + to + '" would exceed pattern_config.max_handoffs (' + maxHandoffs.toString() + ')',
    );
  }
  let task = '';
  for (let k = 0; k < entries.length; k++) {
    const e = changetype<JSON.Obj>(entries[k]);
    if (e.getString('agent')!.valueOf() == to) task = e.getString('task')!.valueOf();
  }
  if (task.length == 0) {
    return fail(
      stateJson(maxHandoffs, handoffs, entriesJson, context),
      'BATON_E_HANDOFF_TARGET',
      key,
      'handoff to "' + to + '", which is not an agent with a task in this workflow',
    );
  }
  const handoff =
    '{"from":' + agent + ',"to":' + str(to) + ',"reason":' + reason + ',"input":' + inputJson + '}';
  output(
    '{"state":' +
      stateJson(maxHandoffs, handoffs + 1, entriesJson, context) +
      ',"decision":{"op":"handoff","to":' +
      str(task) +
      ',"input":{"context":' +
      context +
      ',"handoff":' +
      handoff +
      '}}}',
  );
  return 0;
}
