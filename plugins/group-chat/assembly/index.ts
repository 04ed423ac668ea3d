// group_chat as an ABI v1 plugin. Every task is a participant (one agent each), except the optional
// selector task. Participants speak one at a time; each turn's output is appended to the transcript,
// which the next speaker receives as `transcript` in its input and which is the run's output. The next
// speaker is the next participant in file order (round robin) or the one the selector task names
// (`{ next: <agent or task id> }`). The run's output is `{ chat: { transcript, turns, ended_by } }`
// (one object, so `baton run` prints it whole). The chat ends when a turn's output has the termination field set
// to true, or its `message` contains the termination phrase, or after max_turns turns.

import {
  input,
  output,
  quote,
  stringify,
  JSON,
  refuseConfig as refuse,
  configString,
} from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output(
    '{"abi_version":"1.0","kind":"pattern","name":"group_chat","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"max_turns":{"type":"integer","minimum":1,"maximum":1000,"default":10},' +
      '"selector":{"type":"string","minLength":1,"description":"id of the task that picks each next speaker; without it, round robin"},' +
      '"termination_phrase":{"type":"string","minLength":1,"description":"a turn whose message contains it ends the chat"},' +
      '"termination_field":{"type":"string","minLength":1,"default":"done","description":"a turn whose output has this field true ends the chat"}}}}',
  );
  return 0;
}

const str = quote;

/** A config string: null when absent, "" when present but not a non-empty string. */

export function pattern_init(): i32 {
  const req = input();
  let maxTurns: i64 = 10;
  let selector = '';
  let phrase = '';
  let field = 'done';
  const config = req.getObj('config');
  if (config !== null) {
    const keys = config.keys;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (
        key != 'max_turns' &&
        key != 'selector' &&
        key != 'termination_phrase' &&
        key != 'termination_field'
      ) {
        return refuse('pattern_config: Unrecognized key: "' + key + '"');
      }
    }
    const m = config.get('max_turns');
    if (m !== null) {
      if (!m.isInteger) return refuse('pattern_config.max_turns: expected an integer from 1 to 1000');
      maxTurns = (<JSON.Integer>m).valueOf();
      if (maxTurns < 1 || maxTurns > 1000)
        return refuse('pattern_config.max_turns: expected an integer from 1 to 1000');
    }
    const s = configString(config, 'selector');
    if (s !== null) {
      if (s.length == 0) return refuse('pattern_config.selector: expected the id of a task');
      selector = s;
    }
    const p = configString(config, 'termination_phrase');
    if (p !== null) {
      if (p.length == 0) return refuse('pattern_config.termination_phrase: expected a non-empty string');
      phrase = p;
    }
    const f = configString(config, 'termination_field');
    if (f !== null) {
      if (f.length == 0) return refuse('pattern_config.termination_field: expected a non-empty string');
      field = f;
    }
  }
  const tasks = req.getArr('tasks')!.valueOf();
  let participants = '';
  let count = 0;
  let first = '';
  let selectorFound = false;
  let judges = '';
  const ids = new Array<string>();
  const agents = new Array<string>();
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = t.getString('id')!.valueOf();
    const agentValue = t.getString('agent');
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (agentValue === null)
      return refuse('task "' + id + '" has no agent: every group chat task is an agent speaking');
    if ((deps !== null && deps.valueOf().length > 0) || (conditional !== null && conditional.valueOf())) {
      return refuse(
        'task "' + id + '" declares depends_on or when: the chat decides who speaks, not the graph',
      );
    }
    judges += (k > 0 ? ',' : '') + str(id);
    ids.push(id);
    if (id == selector) {
      selectorFound = true;
      continue;
    }
    const agent = agentValue.valueOf();
    if (agents.includes(agent)) {
      return refuse(
        'task "' +
          id +
          '" is a second task of agent "' +
          agent +
          '": each participant speaks through one task',
      );
    }
    agents.push(agent);
    if (count == 0) first = id;
    participants += (count > 0 ? ',' : '') + '{"task":' + str(id) + ',"agent":' + str(agent) + '}';
    count++;
  }
  if (selector.length > 0 && !selectorFound) {
    return refuse('pattern_config.selector: no task "' + selector + '" in the workflow');
  }
  if (count < 2)
    return refuse('a group chat needs at least two participant tasks, found ' + count.toString());
  // The selector (if any) opens the chat by choosing the first speaker; else the first participant does.
  const opener = selector.length > 0 ? selector : first;
  let holds = '';
  for (let k = 0; k < ids.length; k++) {
    if (ids[k] == opener) continue;
    holds += (holds.length > 0 ? ',' : '') + str(ids[k]);
  }
  output(
    '{"setup":{"state":{"max_turns":' +
      maxTurns.toString() +
      ',"selector":' +
      str(selector) +
      ',"termination_phrase":' +
      str(phrase) +
      ',"termination_field":' +
      str(field) +
      ',"participants":[' +
      participants +
      '],"turns":0,"transcript":[]},"judges":[' +
      judges +
      '],"holds":[' +
      holds +
      '],"serial":false}}',
  );
  return 0;
}

/** The state with `turns` and `transcript` replaced (everything else as pattern_init set it). */
function stateJson(s: JSON.Obj, turns: i64, transcript: string): string {
  return (
    '{"max_turns":' +
    s.getInteger('max_turns')!.valueOf().toString() +
    ',"selector":' +
    str(s.getString('selector')!.valueOf()) +
    ',"termination_phrase":' +
    str(s.getString('termination_phrase')!.valueOf()) +
    ',"termination_field":' +
    str(s.getString('termination_field')!.valueOf()) +
    ',"participants":' +
    stringify(s.getArr('participants')!) +
    ',"turns":' +
    turns.toString() +
    ',"transcript":' +
    transcript +
    '}'
  );
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

function participantList(s: JSON.Obj): string {
  const list = s.getArr('participants')!.valueOf();
  let out = '[';
  for (let k = 0; k < list.length; k++) {
    out += (k > 0 ? ',' : '') + str(changetype<JSON.Obj>(list[k]).getString('agent')!.valueOf());
  }
  return out + ']';
}

/** The selector named `next` (an agent or a task id): the participant's task, or "" when none matches. */
function participantTask(s: JSON.Obj, next: string): string {
  const list = s.getArr('participants')!.valueOf();
  for (let k = 0; k < list.length; k++) {
    const p = changetype<JSON.Obj>(list[k]);
    if (p.getString('agent')!.valueOf() == next || p.getString('task')!.valueOf() == next) {
      return p.getString('task')!.valueOf();
    }
  }
  return '';
}

/** Why the turn ends the chat: "field", "phrase", or "" when it does not. */
function terminatedBy(s: JSON.Obj, out: JSON.Value | null): string {
  if (out === null) return '';
  const phrase = s.getString('termination_phrase')!.valueOf();
  const field = s.getString('termination_field')!.valueOf();
  let message: string | null = null;
  if (out.isString) message = (<JSON.Str>out).valueOf();
  if (out.isObj) {
    const o = <JSON.Obj>out;
    const flag = o.getBool(field);
    if (flag !== null && flag.valueOf()) return 'field';
    const m = o.getString('message');
    if (m !== null) message = m.valueOf();
  }
  if (phrase.length > 0 && message !== null && message.includes(phrase)) return 'phrase';
  return '';
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  if (trigger.getString('kind')!.valueOf() != 'output') return answer(stringify(s), '{"op":"continue"}');
  const task = trigger.getString('task')!.valueOf();
  const out = trigger.get('output');
  const turns = s.getInteger('turns')!.valueOf();
  const transcript = stringify(s.getArr('transcript')!);
  const selector = s.getString('selector')!.valueOf();

  if (task == selector) {
    const next = out !== null && out.isObj ? (<JSON.Obj>out).getString('next') : null;
    const target = next === null ? '' : participantTask(s, next.valueOf());
    if (target.length == 0) {
      return answer(
        stringify(s),
        '{"op":"fail","error":{"code":"BATON_E_PATTERN_OUTPUT","message":' +
          str(
            trigger.getString('key')!.valueOf() +
              ': the selector must answer { next: <participant> }, one of ' +
              participantList(s) +
              (out === null ? '' : '; it answered ' + stringify(out)),
          ) +
          '}}',
      );
    }
    return answer(
      stringify(s),
      '{"op":"handoff","to":' +
        str(target) +
        ',"input":{"transcript":' +
        transcript +
        ',"turn":' +
        (turns + 1).toString() +
        '},"reason":' +
        str('chosen by ' + selector) +
        '}',
    );
  }

  // A participant spoke: its turn joins the transcript.
  const agentValue = trigger.getString('agent');
  const speaker = agentValue === null ? 'null' : str(agentValue.valueOf());
  const turn = turns + 1;
  const entry =
    '{"turn":' +
    turn.toString() +
    ',"speaker":' +
    speaker +
    ',"task":' +
    str(task) +
    ',"output":' +
    (out === null ? 'null' : stringify(out)) +
    '}';
  const grown =
    transcript.length > 2
      ? transcript.slice(0, transcript.length - 1) + ',' + entry + ']'
      : '[' + entry + ']';
  const state = stateJson(s, turn, grown);
  let endedBy = terminatedBy(s, out);
  if (endedBy.length == 0 && turn >= s.getInteger('max_turns')!.valueOf()) endedBy = 'max_turns';
  if (endedBy.length > 0) {
    return answer(
      state,
      '{"op":"complete","output":{"chat":{"transcript":' +
        grown +
        ',"turns":' +
        turn.toString() +
        ',"ended_by":' +
        str(endedBy) +
        '}},"reason":' +
        str('ended_by_' + endedBy) +
        '}',
    );
  }
  if (selector.length > 0) {
    return answer(
      state,
      '{"op":"handoff","to":' +
        str(selector) +
        ',"input":{"transcript":' +
        grown +
        ',"turn":' +
        (turn + 1).toString() +
        ',"participants":' +
        participantList(s) +
        '}}',
    );
  }
  const list = s.getArr('participants')!.valueOf();
  const next = changetype<JSON.Obj>(list[<i32>(turn % list.length)])
    .getString('task')!
    .valueOf();
  return answer(
    state,
    '{"op":"handoff","to":' +
      str(next) +
      ',"input":{"transcript":' +
      grown +
      ',"turn":' +
      (turn + 1).toString() +
      '}}',
  );
}
