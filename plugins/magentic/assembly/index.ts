// magentic (planner-led) as an ABI v1 plugin, after Microsoft's Magentic-One orchestrator. One task is
// the planner (pattern_config.planner, default the first task); every other task is a specialist (one
// agent each). The planner keeps two ledgers, which the pattern holds in its state:
// - the task ledger `{ facts: [...], plan: [...] }`, answered on the planner's first turn and on every
//   re-plan (and replaced whenever an answer carries it);
// - the progress ledger, answered on every turn: `{ satisfied, progress, in_loop, next, instruction,
//   args?, answer? }`.
// Each planner turn is a round (`planner@n` is round n). Unless satisfied, the instruction goes to the
// specialist `next` names (an agent or task id), whose result comes back to the planner for the next
// progress ledger. A turn without progress, in a loop, naming no specialist of the team, or a specialist
// answering `{ error }` is a stall; max_stalls stalls in a row (progress takes one back) make the
// planner re-plan (`replan: true`), at most max_replans times. `satisfied` completes the run with
// `{ magentic: { answer, task_ledger, progress_ledger, rounds, stalls, replans, history } }`; running
// out of rounds or re-plans fails it (BATON_E_MAGENTIC_ROUNDS, BATON_E_MAGENTIC_REPLANS), and so does a
// planner answering `{ error }` (BATON_E_MAGENTIC_PLANNER). Only ABI 1.0 decisions: handoff, rerun,
// complete, fail.

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
    '{"abi_version":"1.0","kind":"pattern","name":"magentic","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"planner":{"type":"string","minLength":1,"description":"id of the planner task (default: the first task)"},' +
      '"max_rounds":{"type":"integer","minimum":1,"maximum":100,"default":20,"description":"planner turns before the run fails"},' +
      '"max_stalls":{"type":"integer","minimum":1,"maximum":10,"default":3,"description":"stalls in a row that make the planner re-plan"},' +
      '"max_replans":{"type":"integer","minimum":0,"maximum":10,"default":3,"description":"re-plans before the run fails"}}}}',
  );
  return 0;
}

const str = quote;

/** A config integer within [min, max]: `fallback` when absent, i64.MIN_VALUE when it does not fit. */
function configInt(config: JSON.Obj, key: string, min: i64, max: i64, fallback: i64): i64 {
  const v = config.get(key);
  if (v === null) return fallback;
  if (!v.isInteger) return i64.MIN_VALUE;
  const n = (<JSON.Integer>v).valueOf();
  return n < min || n > max ? i64.MIN_VALUE : n;
}

export function pattern_init(): i32 {
  const req = input();
  const got = req.getObj('config');
  const config = got === null ? new JSON.Obj() : got;
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key != 'planner' && key != 'max_rounds' && key != 'max_stalls' && key != 'max_replans') {
      return refuse('pattern_config: Unrecognized key: "' + key + '"');
    }
  }
  const maxRounds = configInt(config, 'max_rounds', 1, 100, 20);
  if (maxRounds == i64.MIN_VALUE)
    return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
  const maxStalls = configInt(config, 'max_stalls', 1, 10, 3);
  if (maxStalls == i64.MIN_VALUE)
    return refuse('pattern_config.max_stalls: expected an integer from 1 to 10');
  const maxReplans = configInt(config, 'max_replans', 0, 10, 3);
  if (maxReplans == i64.MIN_VALUE)
    return refuse('pattern_config.max_replans: expected an integer from 0 to 10');
  let planner = '';
  const p = config.get('planner');
  if (p !== null) {
    if (!p.isString || (<JSON.Str>p).valueOf().length == 0)
      return refuse('pattern_config.planner: expected the id of a task');
    planner = (<JSON.Str>p).valueOf();
  }

  const caps = new Map<string, string>();
  const agents = req.getArr('agents')!.valueOf();
  for (let k = 0; k < agents.length; k++) {
    const a = changetype<JSON.Obj>(agents[k]);
    const c = a.getArr('capabilities');
    caps.set(a.getString('id')!.valueOf(), c === null ? '[]' : stringify(c));
  }

  const tasks = req.getArr('tasks')!.valueOf();
  const ids = new Array<string>();
  const agentOf = new Array<string>();
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = t.getString('id')!.valueOf();
    const agentValue = t.getString('agent');
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (agentValue === null)
      return refuse('task "' + id + '" has no agent: every magentic task is the planner or a specialist');
    if ((deps !== null && deps.valueOf().length > 0) || (conditional !== null && conditional.valueOf())) {
      return refuse(
        'task "' + id + '" declares depends_on or when: the planner decides what runs next, not the graph',
      );
    }
    const agent = agentValue.valueOf();
    if (agentOf.includes(agent)) {
      return refuse(
        'task "' + id + '" is a second task of agent "' + agent + '": each agent works through one task',
      );
    }
    ids.push(id);
    agentOf.push(agent);
  }
  if (ids.length == 0) return refuse('a magentic workflow needs a planner task and a specialist task');
  if (planner.length == 0) planner = ids[0];
  else if (!ids.includes(planner))
    return refuse('pattern_config.planner: no task "' + planner + '" in the workflow');
  if (ids.length < 2)
    return refuse('a magentic workflow needs at least one specialist task besides the planner');

  let team = '';
  let judges = '';
  let holds = '';
  for (let k = 0; k < ids.length; k++) {
    judges += (k > 0 ? ',' : '') + str(ids[k]);
    if (ids[k] == planner) continue;
    holds += (holds.length > 0 ? ',' : '') + str(ids[k]);
    const c = caps.has(agentOf[k]) ? caps.get(agentOf[k]) : '[]';
    team +=
      (team.length > 0 ? ',' : '') +
      '{"task":' +
      str(ids[k]) +
      ',"agent":' +
      str(agentOf[k]) +
      ',"capabilities":' +
      c +
      '}';
  }
  const s = new State();
  s.planner = planner;
  s.maxRounds = maxRounds;
  s.maxStalls = maxStalls;
  s.maxReplans = maxReplans;
  s.team = '[' + team + ']';
  output(
    '{"setup":{"state":' + s.json() + ',"judges":[' + judges + '],"holds":[' + holds + '],"serial":false}}',
  );
  return 0;
}

/** The pattern's memory between steps (ABI: everything it remembers is in the journaled state). */
class State {
  planner: string = '';
  maxRounds: i64 = 20;
  maxStalls: i64 = 3;
  maxReplans: i64 = 3;
  /** The specialists: [{ task, agent, capabilities }], in file order. */
  team: string = '[]';
  /** Planner turns so far. */
  rounds: i64 = 0;
  /** Stalls in a row (a turn with progress takes one back; a re-plan resets it). */
  stalls: i64 = 0;
  /** Every stall of the run. */
  stallTotal: i64 = 0;
  replans: i64 = 0;
  /** Whether the planner's next turn must answer the task ledger (the first turn, a re-plan). */
  planning: bool = true;
  taskLedger: string = 'null';
  progressLedger: string = 'null';
  history: string = '[]';

  static from(o: JSON.Obj): State {
    const s = new State();
    s.planner = o.getString('planner')!.valueOf();
    s.maxRounds = o.getInteger('max_rounds')!.valueOf();
    s.maxStalls = o.getInteger('max_stalls')!.valueOf();
    s.maxReplans = o.getInteger('max_replans')!.valueOf();
    s.team = stringify(o.getArr('team'));
    s.rounds = o.getInteger('rounds')!.valueOf();
    s.stalls = o.getInteger('stalls')!.valueOf();
    s.stallTotal = o.getInteger('stall_total')!.valueOf();
    s.replans = o.getInteger('replans')!.valueOf();
    s.planning = o.getBool('planning')!.valueOf();
    s.taskLedger = stringify(o.get('task_ledger'));
    s.progressLedger = stringify(o.get('progress_ledger'));
    s.history = stringify(o.getArr('history'));
    return s;
  }

  json(): string {
    return (
      '{"planner":' +
      str(this.planner) +
      ',"max_rounds":' +
      this.maxRounds.toString() +
      ',"max_stalls":' +
      this.maxStalls.toString() +
      ',"max_replans":' +
      this.maxReplans.toString() +
      ',"team":' +
      this.team +
      ',"rounds":' +
      this.rounds.toString() +
      ',"stalls":' +
      this.stalls.toString() +
      ',"stall_total":' +
      this.stallTotal.toString() +
      ',"replans":' +
      this.replans.toString() +
      ',"planning":' +
      (this.planning ? 'true' : 'false') +
      ',"task_ledger":' +
      this.taskLedger +
      ',"progress_ledger":' +
      this.progressLedger +
      ',"history":' +
      this.history +
      '}'
    );
  }

  record(entry: string): void {
    this.history =
      this.history.length > 2
        ? this.history.slice(0, this.history.length - 1) + ',' + entry + ']'
        : '[' + entry + ']';
  }

  stall(): void {
    this.stalls++;
    this.stallTotal++;
  }
}

function answer(s: State, decision: string): i32 {
  output('{"state":' + s.json() + ',"decision":' + decision + '}');
  return 0;
}

function failure(code: string, key: string, message: string): string {
  return '{"op":"fail","error":{"code":' + str(code) + ',"message":' + str(key + ': ' + message) + '}}';
}

/** The team's agent ids, as a JSON list (for messages). */
function teamAgents(team: JSON.Arr): string {
  const list = team.valueOf();
  let out = '[';
  for (let k = 0; k < list.length; k++) {
    out += (k > 0 ? ',' : '') + str(changetype<JSON.Obj>(list[k]).getString('agent')!.valueOf());
  }
  return out + ']';
}

/** The team member `next` names (its agent or its task id), or null. */
function member(team: JSON.Arr, next: string): JSON.Obj | null {
  const list = team.valueOf();
  for (let k = 0; k < list.length; k++) {
    const m = changetype<JSON.Obj>(list[k]);
    if (m.getString('agent')!.valueOf() == next || m.getString('task')!.valueOf() == next) return m;
  }
  return null;
}

/** What the planner's next turn receives (added to its task's input). */
function plannerInput(s: State, replan: bool, last: string): string {
  return (
    '{"round":' +
    (s.rounds + 1).toString() +
    ',"max_rounds":' +
    s.maxRounds.toString() +
    ',"replan":' +
    (replan ? 'true' : 'false') +
    ',"team":' +
    s.team +
    ',"task_ledger":' +
    s.taskLedger +
    ',"progress_ledger":' +
    s.progressLedger +
    ',"last":' +
    last +
    ',"history":' +
    s.history +
    ',"stalls":' +
    s.stalls.toString() +
    ',"replans":' +
    s.replans.toString() +
    '}'
  );
}

/**
 * max_stalls stalls in a row: the planner re-plans (its next turn says `replan: true` and must answer a
 * new task ledger), or, with no re-plan left, the run fails.
 */
function replan(s: State, key: string, last: string, brief: string, fromPlanner: bool): i32 {
  if (s.replans >= s.maxReplans) {
    return answer(
      s,
      failure(
        'BATON_E_MAGENTIC_REPLANS',
        key,
        s.stalls.toString() +
          ' stalls in a row after ' +
          s.replans.toString() +
          ' re-plan(s): no re-plan left (pattern_config.max_replans: ' +
          s.maxReplans.toString() +
          '); last step: ' +
          brief,
      ),
    );
  }
  const why = s.stalls.toString() + ' stalls in a row';
  s.replans++;
  s.stalls = 0;
  s.planning = true;
  s.record(
    '{"round":' + s.rounds.toString() + ',"replan":' + s.replans.toString() + ',"reason":' + str(why) + '}',
  );
  // The planner's own turn runs it again (rerun); a specialist's hands back to it (handoff).
  return answer(
    s,
    (fromPlanner
      ? '{"op":"rerun","also":[],"input":'
      : '{"op":"handoff","to":' + str(s.planner) + ',"input":') +
      plannerInput(s, true, last) +
      ',"reason":' +
      str('replan: ' + why) +
      '}',
  );
}

export function pattern_step(): i32 {
  const req = input();
  const so = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  const s = State.from(so);
  if (trigger.getString('kind')!.valueOf() != 'output') return answer(s, '{"op":"continue"}');
  const task = trigger.getString('task')!.valueOf();
  const key = trigger.getString('key')!.valueOf();
  const out = trigger.get('output');
  const team = so.getArr('team')!;
  if (task == s.planner) return plannerTurn(s, team, key, out);

  // A specialist answered: its result (or its error, a stall) goes back to the planner.
  const pl = so.getObj('progress_ledger');
  let ins: JSON.Str | null = null;
  if (pl !== null) ins = pl.getString('instruction');
  const agentValue = trigger.getString('agent');
  const err = out !== null && out.isObj ? (<JSON.Obj>out).get('error') : null;
  const failed = err !== null && !err.isNull;
  const entry =
    '{"round":' +
    s.rounds.toString() +
    ',"task":' +
    str(task) +
    ',"agent":' +
    (agentValue === null ? 'null' : str(agentValue.valueOf())) +
    ',"instruction":' +
    (ins === null ? 'null' : str(ins!.valueOf())) +
    (failed ? ',"error":' + stringify(err) : ',"output":' + stringify(out)) +
    ',"stalled":' +
    (failed ? 'true' : 'false') +
    '}';
  if (failed) s.stall();
  s.record(entry);
  if (s.stalls >= s.maxStalls) {
    const who = agentValue === null ? task : agentValue.valueOf();
    const brief =
      'round ' +
      s.rounds.toString() +
      ', ' +
      who +
      (failed ? ' answered the error ' + clip(stringify(err)) : ' answered ' + clip(stringify(out)));
    return replan(s, key, entry, brief, false);
  }
  return answer(
    s,
    '{"op":"handoff","to":' +
      str(s.planner) +
      ',"input":' +
      plannerInput(s, false, entry) +
      (failed ? ',"reason":"specialist_error"' : '') +
      '}',
  );
}

function badAnswer(key: string, what: string, out: JSON.Value | null): string {
  return failure('BATON_E_PATTERN_OUTPUT', key, what + '; it answered ' + clip(stringify(out)));
}

function planningShape(): string {
  return 'the planner must answer the task ledger { facts: [...], plan: [...] } with its progress ledger on its first turn and on a re-plan';
}

function plannerTurn(s: State, team: JSON.Arr, key: string, out: JSON.Value | null): i32 {
  if (out === null || !out.isObj) {
    return answer(s, badAnswer(key, 'the planner must answer an object (its ledgers)', out));
  }
  const o = <JSON.Obj>out;
  const err = o.get('error');
  if (err !== null && !err.isNull) {
    return answer(s, failure('BATON_E_MAGENTIC_PLANNER', key, 'the planner failed: ' + clip(stringify(err))));
  }
  s.rounds++;

  // The task ledger: required when planning, replaced whenever given.
  const facts = o.get('facts');
  const plan = o.get('plan');
  if (facts !== null || plan !== null) {
    if (facts === null || plan === null || !facts.isArr || !plan.isArr)
      return answer(s, badAnswer(key, planningShape(), out));
    s.taskLedger = '{"facts":' + stringify(facts) + ',"plan":' + stringify(plan) + '}';
    s.planning = false;
  } else if (s.planning) {
    return answer(s, badAnswer(key, planningShape(), out));
  }

  // The progress ledger: the rest of the answer.
  const satisfied = o.get('satisfied');
  const progress = o.get('progress');
  const inLoop = o.get('in_loop');
  if (
    satisfied === null ||
    !satisfied.isBool ||
    progress === null ||
    !progress.isBool ||
    inLoop === null ||
    !inLoop.isBool
  ) {
    return answer(
      s,
      badAnswer(key, 'the progress ledger must have satisfied, progress and in_loop as booleans', out),
    );
  }
  const keys = o.keys;
  let ledger = '';
  for (let k = 0; k < keys.length; k++) {
    if (keys[k] == 'facts' || keys[k] == 'plan') continue;
    ledger += (ledger.length > 0 ? ',' : '') + str(keys[k]) + ':' + stringify(o.get(keys[k]));
  }
  s.progressLedger = '{' + ledger + '}';

  if ((<JSON.Bool>satisfied).valueOf()) {
    const a = o.get('answer');
    return answer(
      s,
      '{"op":"complete","output":{"magentic":{"answer":' +
        stringify(a) +
        ',"task_ledger":' +
        s.taskLedger +
        ',"progress_ledger":' +
        s.progressLedger +
        ',"rounds":' +
        s.rounds.toString() +
        ',"stalls":' +
        s.stallTotal.toString() +
        ',"replans":' +
        s.replans.toString() +
        ',"history":' +
        s.history +
        '}},"reason":"satisfied"}',
    );
  }
  const next = o.get('next');
  const instruction = o.get('instruction');
  const args = o.get('args');
  if (
    next === null ||
    !next.isString ||
    instruction === null ||
    !instruction.isString ||
    (args !== null && !args.isObj)
  ) {
    return answer(
      s,
      badAnswer(
        key,
        'an unsatisfied progress ledger must name the next specialist (next: string) and give it an instruction (instruction: string, args?: object)',
        out,
      ),
    );
  }
  let stalled = !(<JSON.Bool>progress).valueOf() || (<JSON.Bool>inLoop).valueOf();
  const nextName = (<JSON.Str>next).valueOf();
  const target = member(team, nextName);
  if (s.rounds >= s.maxRounds) {
    return answer(
      s,
      failure(
        'BATON_E_MAGENTIC_ROUNDS',
        key,
        'not satisfied after ' +
          s.rounds.toString() +
          ' rounds (pattern_config.max_rounds: ' +
          s.maxRounds.toString() +
          '); last step: ' +
          stepBrief(s, nextName, instruction, target === null),
      ),
    );
  }

  if (target === null) stalled = true;
  if (stalled) s.stall();
  else if (s.stalls > 0) s.stalls--;

  const step =
    '{"round":' +
    s.rounds.toString() +
    ',"next":' +
    str(nextName) +
    ',"instruction":' +
    stringify(instruction) +
    (target === null
      ? ',"note":' +
        str('"' + nextName + '" is not on the team: one of ' + teamAgents(team)) +
        ',"stalled":true}'
      : ',"stalled":' + (stalled ? 'true' : 'false') + '}');
  if (target === null) s.record(step);
  if (s.stalls >= s.maxStalls)
    return replan(s, key, step, stepBrief(s, nextName, instruction, target === null), true);
  if (target === null) {
    // Nobody to hand the step to: the planner is asked again, with the note in `last` and the history.
    return answer(
      s,
      '{"op":"rerun","also":[],"input":' + plannerInput(s, false, step) + ',"reason":"unknown_next"}',
    );
  }
  // The specialist's input: the instruction, its args, the round, and the task ledger's facts and plan
  // (the ledger is always set here: a turn without one is refused above).
  const specialist =
    '{"instruction":' +
    stringify(instruction) +
    (args === null ? '' : ',"args":' + stringify(args)) +
    ',"round":' +
    s.rounds.toString() +
    ',' +
    s.taskLedger.slice(1);
  return answer(
    s,
    '{"op":"handoff","to":' +
      str(target.getString('task')!.valueOf()) +
      ',"input":' +
      specialist +
      (stalled ? ',"reason":"stalled"' : '') +
      '}',
  );
}

/** `s` cut to at most 200 characters (for error messages that quote an agent's answer). */
function clip(s: string): string {
  return s.length <= 200 ? s : s.slice(0, 200) + '...';
}

/** A planner step in a few words: its round, whom it named and the instruction. */
function stepBrief(s: State, next: string, instruction: JSON.Value, unknown: bool): string {
  return (
    'round ' +
    s.rounds.toString() +
    ', next ' +
    str(next) +
    (unknown ? ' (not on the team)' : '') +
    ': ' +
    clip(stringify(instruction))
  );
}
