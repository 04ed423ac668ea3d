// debate as an ABI v1 plugin. Every task but the judge is a debater; the judge depends on every
// debater, so each round the debaters argue and then the judge reads their arguments (its default input
// carries each debater's output under its task id). The run is serial (debaters speak one at a time,
// in file order): the host sends each pattern_step the state journaled when the output arrived, so two
// debaters finishing together would each extend the same state and one argument would be lost. After the judge's output the pattern ends the
// debate if the output has a verdict (`verdict_field`, not null or false) or the round was the
// max_rounds-th; otherwise every debater and the judge run again (rerun), their input gaining `debate`:
// the round, the previous round's arguments (each debater sees the others'), the transcript and the
// judge's last output. The run's output is `{ <judge task>: <its last output>, debate: {...} }`.

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
    '{"abi_version":"1.0","kind":"pattern","name":"debate","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"judge":{"type":"string","minLength":1,"description":"id of the judge task; default: the last task"},' +
      '"max_rounds":{"type":"integer","minimum":1,"maximum":100,"default":3},' +
      '"verdict_field":{"type":"string","minLength":1,"default":"verdict","description":"the field of the judge\'s output that holds its verdict"}}}}',
  );
  return 0;
}

const str = quote;

export function pattern_init(): i32 {
  const req = input();
  let maxRounds: i64 = 3;
  let judge = '';
  let field = 'verdict';
  const config = req.getObj('config');
  if (config !== null) {
    const keys = config.keys;
    for (let k = 0; k < keys.length; k++) {
      if (keys[k] != 'judge' && keys[k] != 'max_rounds' && keys[k] != 'verdict_field') {
        return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
      }
    }
    const m = config.get('max_rounds');
    if (m !== null) {
      if (!m.isInteger) return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
      maxRounds = (<JSON.Integer>m).valueOf();
      if (maxRounds < 1 || maxRounds > 100)
        return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
    }
    const j = config.get('judge');
    if (j !== null) {
      if (!j.isString || (<JSON.Str>j).valueOf().length == 0)
        return refuse('pattern_config.judge: expected the id of a task');
      judge = (<JSON.Str>j).valueOf();
    }
    const f = config.get('verdict_field');
    if (f !== null) {
      if (!f.isString || (<JSON.Str>f).valueOf().length == 0) {
        return refuse('pattern_config.verdict_field: expected a non-empty string');
      }
      field = (<JSON.Str>f).valueOf();
    }
  }
  const tasks = req.getArr('tasks')!.valueOf();
  if (tasks.length == 0) return refuse('a debate needs debater tasks and a judge task');
  if (judge.length == 0)
    judge = changetype<JSON.Obj>(tasks[tasks.length - 1])
      .getString('id')!
      .valueOf();
  const debaters = new Array<string>();
  let judgeDeps: Array<JSON.Value> | null = null;
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = t.getString('id')!.valueOf();
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (t.getString('agent') === null)
      return refuse('task "' + id + '" has no agent: debaters and the judge are agents');
    if (conditional !== null && conditional.valueOf())
      return refuse('task "' + id + '" declares when: every debate task runs every round');
    if (id == judge) {
      judgeDeps = deps === null ? new Array<JSON.Value>() : deps.valueOf();
      continue;
    }
    if (deps !== null && deps.valueOf().length > 0) {
      return refuse(
        'debater task "' + id + '" declares depends_on: debaters argue at once, only the judge waits',
      );
    }
    debaters.push(id);
  }
  if (judgeDeps === null) return refuse('pattern_config.judge: no task "' + judge + '" in the workflow');
  if (debaters.length < 2)
    return refuse(
      'a debate needs at least two debater tasks besides the judge, found ' + debaters.length.toString(),
    );
  const deps = new Array<string>();
  for (let k = 0; k < judgeDeps.length; k++) deps.push((<JSON.Str>judgeDeps[k]).valueOf());
  for (let k = 0; k < debaters.length; k++) {
    if (!deps.includes(debaters[k])) {
      return refuse(
        'judge task "' +
          judge +
          '" must depend on every debater, to read their arguments each round: add depends_on: ' +
          strList(debaters),
      );
    }
  }
  output(
    '{"setup":{"state":{"judge":' +
      str(judge) +
      ',"max_rounds":' +
      maxRounds.toString() +
      ',"verdict_field":' +
      str(field) +
      ',"debaters":' +
      strList(debaters) +
      ',"pending":{},"transcript":[]},"judges":' +
      strList(debaters.concat([judge])) +
      ',"holds":[],"serial":true}}',
  );
  return 0;
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

function stateJson(s: JSON.Obj, pending: string, transcript: string): string {
  return (
    '{"judge":' +
    str(s.getString('judge')!.valueOf()) +
    ',"max_rounds":' +
    s.getInteger('max_rounds')!.valueOf().toString() +
    ',"verdict_field":' +
    str(s.getString('verdict_field')!.valueOf()) +
    ',"debaters":' +
    stringify(s.getArr('debaters')!) +
    ',"pending":' +
    pending +
    ',"transcript":' +
    transcript +
    '}'
  );
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  if (trigger.getString('kind')!.valueOf() != 'output') return answer(stringify(s), '{"op":"continue"}');
  const task = trigger.getString('task')!.valueOf();
  const round = trigger.getInteger('round')!.valueOf();
  const out = trigger.get('output');
  const outJson = out === null ? 'null' : stringify(out);
  const agentValue = trigger.getString('agent');
  const agent = agentValue === null ? 'null' : str(agentValue.valueOf());
  const judge = s.getString('judge')!.valueOf();
  const pending = s.getObj('pending')!;

  if (task != judge) {
    // A debater's argument: kept until the judge has read the round, then written to the transcript in
    // debater order (the debaters finish in any order; the transcript should not depend on it).
    const entry =
      '{"round":' +
      round.toString() +
      ',"debater":' +
      str(task) +
      ',"agent":' +
      agent +
      ',"argument":' +
      outJson +
      '}';
    let grown = '{';
    const keys = pending.keys;
    for (let k = 0; k < keys.length; k++) {
      if (keys[k] == task) continue;
      grown += (grown.length > 1 ? ',' : '') + str(keys[k]) + ':' + stringify(pending.get(keys[k]));
    }
    grown += (grown.length > 1 ? ',' : '') + str(task) + ':' + entry + '}';
    return answer(stateJson(s, grown, stringify(s.getArr('transcript')!)), '{"op":"continue"}');
  }

  // The judge read the round: the round's arguments join the transcript.
  const debaters = s.getArr('debaters')!.valueOf();
  let roundArgs = '[';
  for (let k = 0; k < debaters.length; k++) {
    const d = (<JSON.Str>debaters[k]).valueOf();
    const e = pending.get(d);
    roundArgs +=
      (k > 0 ? ',' : '') +
      (e === null
        ? '{"round":' + round.toString() + ',"debater":' + str(d) + ',"argument":null}'
        : stringify(e));
  }
  roundArgs += ']';
  const before = stringify(s.getArr('transcript')!);
  const transcript =
    before.length > 2 ? before.slice(0, before.length - 1) + ',' + roundArgs.slice(1) : roundArgs;
  const state = stateJson(s, '{}', transcript);

  const field = s.getString('verdict_field')!.valueOf();
  let verdict: JSON.Value | null = null;
  if (out !== null && out.isObj) verdict = (<JSON.Obj>out).get(field);
  const reached = verdict !== null && !verdict.isNull && !(verdict.isBool && !(<JSON.Bool>verdict).valueOf());
  const maxRounds = s.getInteger('max_rounds')!.valueOf();
  if (reached || round >= maxRounds) {
    const by = reached ? 'verdict' : 'max_rounds';
    return answer(
      state,
      '{"op":"complete","output":{' +
        str(judge) +
        ':' +
        outJson +
        ',"debate":{"rounds":' +
        round.toString() +
        ',"decided_by":' +
        str(by) +
        ',"transcript":' +
        transcript +
        '}},"reason":' +
        str(reached ? 'verdict_reached' : 'rounds_exhausted') +
        '}',
    );
  }
  let also = '[';
  for (let k = 0; k < debaters.length; k++) also += (k > 0 ? ',' : '') + stringify(debaters[k]);
  also += ']';
  return answer(
    state,
    '{"op":"rerun","also":' +
      also +
      ',"input":{"debate":{"round":' +
      (round + 1).toString() +
      ',"max_rounds":' +
      maxRounds.toString() +
      ',"final":' +
      (round + 1 >= maxRounds ? 'true' : 'false') +
      ',"last":' +
      roundArgs +
      ',"transcript":' +
      transcript +
      ',"judgement":' +
      outJson +
      '}},"reason":"no_verdict"}',
  );
}
