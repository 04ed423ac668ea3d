// hierarchical as an ABI v1 plugin: teams of teams. pattern_config.teams maps each supervising task to
// its members: the tasks leading its sub-teams, or the agents working for it. Every task of the
// workflow supervises a team; the one no team lists is the top supervisor, which starts the run.
// A supervisor answers one of:
// - `{ assign: { <member>: {input}, ... } }`: workers run at once as delegated subtasks, then the
//   supervisor runs again with their `results`; sub-team leads run one after another (each gets
//   `assignment` and `from`), then the supervisor runs again with their `reports`;
// - `{ result: ... }` or `{ escalate: ... }`: its team is done; the report ({ team, status, output })
//   goes up to its supervisor. The top supervisor's result or escalation completes the run.
// A supervisor may assign at most max_rounds times per activation; one more assign is taken as an
// escalation (`rounds_exhausted`) and goes up like any other.

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
    '{"abi_version":"1.0","kind":"pattern","name":"hierarchical","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"required":["teams"],"properties":{' +
      '"teams":{"type":"object","description":"supervising task id -> its members: lead task ids of sub-teams, or worker agent ids",' +
      '"additionalProperties":{"type":"array","minItems":1,"items":{"type":"string","minLength":1}}},' +
      '"max_rounds":{"type":"integer","minimum":1,"maximum":100,"default":3}}}}',
  );
  return 0;
}

const str = quote;

export function pattern_init(): i32 {
  const req = input();
  let maxRounds: i64 = 3;
  const config = req.getObj('config');
  if (config === null) return refuse('pattern_config.teams is required: { <supervisor task>: [members] }');
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    if (keys[k] != 'teams' && keys[k] != 'max_rounds')
      return refuse('pattern_config: Unrecognized key: "' + keys[k] + '"');
  }
  const m = config.get('max_rounds');
  if (m !== null) {
    if (!m.isInteger) return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
    maxRounds = (<JSON.Integer>m).valueOf();
    if (maxRounds < 1 || maxRounds > 100)
      return refuse('pattern_config.max_rounds: expected an integer from 1 to 100');
  }
  const teams = config.getObj('teams');
  if (teams === null) return refuse('pattern_config.teams is required: { <supervisor task>: [members] }');

  const tasks = req.getArr('tasks')!.valueOf();
  const taskIds = new Array<string>();
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = t.getString('id')!.valueOf();
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (t.getString('agent') === null)
      return refuse('task "' + id + '" has no agent: every task of the tree is a supervisor');
    if ((deps !== null && deps.valueOf().length > 0) || (conditional !== null && conditional.valueOf())) {
      return refuse(
        'task "' + id + '" declares depends_on or when: the tree decides who works, not the graph',
      );
    }
    if (teams.get(id) === null)
      return refuse('task "' + id + '" supervises no team: add it to pattern_config.teams');
    taskIds.push(id);
  }
  const agentList = req.getArr('agents')!.valueOf();
  const agents = new Array<string>();
  for (let k = 0; k < agentList.length; k++)
    agents.push(changetype<JSON.Obj>(agentList[k]).getString('id')!.valueOf());

  // The tree: each member is a sub-team (a task) or a worker (an agent); a sub-team has one supervisor.
  const supervisors = teams.keys;
  const parentOf = new Map<string, string>();
  let teamsJson = '';
  for (let k = 0; k < supervisors.length; k++) {
    const sup = supervisors[k];
    const where = 'pattern_config.teams.' + sup;
    if (!taskIds.includes(sup)) return refuse(where + ': no task "' + sup + '" in the workflow');
    const v = teams.get(sup)!;
    if (!v.isArr || (<JSON.Arr>v).valueOf().length == 0)
      return refuse(where + ': expected a non-empty list of members');
    const members = (<JSON.Arr>v).valueOf();
    let kind = '';
    const names = new Array<string>();
    for (let j = 0; j < members.length; j++) {
      if (!members[j].isString) return refuse(where + '[' + j.toString() + ']: expected a task or agent id');
      const member = (<JSON.Str>members[j]).valueOf();
      const isTeam = taskIds.includes(member);
      if (!isTeam && !agents.includes(member)) {
        return refuse(
          where + ': "' + member + '" is neither a task (a sub-team lead) nor an agent (a worker)',
        );
      }
      const memberKind = isTeam ? 'teams' : 'workers';
      if (kind.length > 0 && kind != memberKind) {
        return refuse(where + ': mixes sub-team leads and workers; give the workers a lead of their own');
      }
      kind = memberKind;
      if (names.includes(member)) return refuse(where + ': "' + member + '" is listed twice');
      if (isTeam) {
        if (parentOf.has(member))
          return refuse(where + ': "' + member + '" already reports to "' + parentOf.get(member) + '"');
        if (member == sup) return refuse(where + ': a team cannot be its own member');
        parentOf.set(member, sup);
      }
      names.push(member);
    }
    teamsJson +=
      (k > 0 ? ',' : '') + str(sup) + ':{"kind":' + str(kind) + ',"members":' + strList(names) + '}';
  }
  const roots = new Array<string>();
  for (let k = 0; k < taskIds.length; k++) if (!parentOf.has(taskIds[k])) roots.push(taskIds[k]);
  if (roots.length != 1) {
    return refuse(
      'pattern_config.teams: expected one top supervisor (a task no team lists), found ' + strList(roots),
    );
  }
  const root = roots[0];
  // Every task must hang from the root (a cycle among the others would leave it unreachable).
  for (let k = 0; k < taskIds.length; k++) {
    let at = taskIds[k];
    let depth = 0;
    while (parentOf.has(at) && depth <= taskIds.length) {
      at = parentOf.get(at);
      depth++;
    }
    if (at != root)
      return refuse(
        'pattern_config.teams: task "' + taskIds[k] + '" is in a cycle of teams, not under "' + root + '"',
      );
  }
  let parents = '';
  const children = parentOf.keys();
  for (let k = 0; k < children.length; k++) {
    parents += (k > 0 ? ',' : '') + str(children[k]) + ':' + str(parentOf.get(children[k]));
  }
  let holds = new Array<string>();
  for (let k = 0; k < taskIds.length; k++) if (taskIds[k] != root) holds.push(taskIds[k]);
  output(
    '{"setup":{"state":{"root":' +
      str(root) +
      ',"max_rounds":' +
      maxRounds.toString() +
      ',"teams":{' +
      teamsJson +
      '},"parent":{' +
      parents +
      '},"rounds":{},"queue":{},"reports":{}},"judges":' +
      strList(taskIds) +
      ',"holds":' +
      strList(holds) +
      ',"serial":false}}',
  );
  return 0;
}

/** The parts of the state a step changes, beside the fixed tree. */
class Progress {
  rounds: Map<string, i64> = new Map();
  queue: Map<string, string> = new Map(); // supervisor -> JSON list of [member, input] still to hand off
  reports: Map<string, string> = new Map(); // supervisor -> JSON list of reports received
}

function readProgress(s: JSON.Obj): Progress {
  const p = new Progress();
  const r = s.getObj('rounds')!;
  for (let k = 0; k < r.keys.length; k++)
    p.rounds.set(r.keys[k], (<JSON.Integer>r.get(r.keys[k])!).valueOf());
  const q = s.getObj('queue')!;
  for (let k = 0; k < q.keys.length; k++) p.queue.set(q.keys[k], stringify(q.get(q.keys[k])));
  const rep = s.getObj('reports')!;
  for (let k = 0; k < rep.keys.length; k++) p.reports.set(rep.keys[k], stringify(rep.get(rep.keys[k])));
  return p;
}

function stateJson(s: JSON.Obj, p: Progress): string {
  let rounds = '';
  const rk = p.rounds.keys();
  for (let k = 0; k < rk.length; k++)
    rounds += (k > 0 ? ',' : '') + str(rk[k]) + ':' + p.rounds.get(rk[k]).toString();
  let queue = '';
  const qk = p.queue.keys();
  for (let k = 0; k < qk.length; k++) queue += (k > 0 ? ',' : '') + str(qk[k]) + ':' + p.queue.get(qk[k]);
  let reports = '';
  const pk = p.reports.keys();
  for (let k = 0; k < pk.length; k++) reports += (k > 0 ? ',' : '') + str(pk[k]) + ':' + p.reports.get(pk[k]);
  return (
    '{"root":' +
    stringify(s.get('root')) +
    ',"max_rounds":' +
    stringify(s.get('max_rounds')) +
    ',"teams":' +
    stringify(s.get('teams')) +
    ',"parent":' +
    stringify(s.get('parent')) +
    ',"rounds":{' +
    rounds +
    '},"queue":{' +
    queue +
    '},"reports":{' +
    reports +
    '}}'
  );
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

function failWith(state: string, message: string): i32 {
  return answer(
    state,
    '{"op":"fail","error":{"code":"BATON_E_PATTERN_OUTPUT","message":' + str(message) + '}}',
  );
}

/** Appends one JSON item to a JSON list text. */
function push(list: string | null, item: string): string {
  if (list === null || list.length <= 2) return '[' + item + ']';
  return list.slice(0, list.length - 1) + ',' + item + ']';
}

/** Hands the next queued sub-team its assignment, or `sup` its reports once none is left. */
function next(s: JSON.Obj, p: Progress, sup: string, reason: string): i32 {
  const queued = p.queue.has(sup) ? <JSON.Arr>JSON.parse(p.queue.get(sup)) : new JSON.Arr();
  const items = queued.valueOf();
  if (items.length > 0) {
    const head = changetype<JSON.Arr>(items[0]).valueOf();
    let rest = '[';
    for (let k = 1; k < items.length; k++) rest += (k > 1 ? ',' : '') + stringify(items[k]);
    p.queue.set(sup, rest + ']');
    return answer(
      stateJson(s, p),
      '{"op":"handoff","to":' +
        stringify(head[0]) +
        ',"input":{"assignment":' +
        stringify(head[1]) +
        ',"from":' +
        str(sup) +
        '},"reason":' +
        str(reason) +
        '}',
    );
  }
  p.queue.delete(sup);
  const reports = p.reports.has(sup) ? p.reports.get(sup) : '[]';
  p.reports.delete(sup);
  return answer(
    stateJson(s, p),
    '{"op":"handoff","to":' + str(sup) + ',"input":{"reports":' + reports + '},"reason":' + str(reason) + '}',
  );
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  if (trigger.getString('kind')!.valueOf() != 'output') return answer(stringify(s), '{"op":"continue"}');
  const task = trigger.getString('task')!.valueOf();
  const key = trigger.getString('key')!.valueOf();
  const out = trigger.get('output');
  const p = readProgress(s);
  const root = s.getString('root')!.valueOf();
  const team = s.getObj('teams')!.getObj(task)!;
  const members = team.getArr('members')!.valueOf();
  const o = out !== null && out.isObj ? <JSON.Obj>out : null;

  let status = '';
  let reason = '';
  const assign: JSON.Value | null = o === null ? null : o.get('assign');
  if (assign !== null && !assign.isNull) {
    const used = p.rounds.has(task) ? p.rounds.get(task) : 0;
    if (used >= s.getInteger('max_rounds')!.valueOf()) {
      status = 'escalated';
      reason = 'rounds_exhausted';
    } else {
      if (!assign.isObj || (<JSON.Obj>assign).keys.length == 0) {
        return failWith(
          stringify(s),
          key +
            ': assign must map members of the team to their input, e.g. { "' +
            (<JSON.Str>members[0]).valueOf() +
            '": {...} }',
        );
      }
      const a = <JSON.Obj>assign;
      const names = new Array<string>();
      for (let k = 0; k < members.length; k++) names.push((<JSON.Str>members[k]).valueOf());
      let list = '';
      for (let k = 0; k < a.keys.length; k++) {
        const member = a.keys[k];
        if (!names.includes(member)) {
          return failWith(
            stringify(s),
            key + ': assign names "' + member + '", not a member of the team (' + strList(names) + ')',
          );
        }
        const given = a.get(member)!;
        if (!given.isObj)
          return failWith(
            stringify(s),
            key + ': assign.' + member + " must be an object (the member's input)",
          );
        list +=
          (k > 0 ? ',' : '') +
          (team.getString('kind')!.valueOf() == 'workers'
            ? '{"agent":' + str(member) + ',"input":' + stringify(given) + '}'
            : '[' + str(member) + ',' + stringify(given) + ']');
      }
      p.rounds.set(task, used + 1);
      if (team.getString('kind')!.valueOf() == 'workers') {
        return answer(stateJson(s, p), '{"op":"delegate","subtasks":[' + list + '],"reason":"assign"}');
      }
      p.queue.set(task, '[' + list + ']');
      p.reports.set(task, '[]');
      return next(s, p, task, 'assign');
    }
  } else if (o !== null && o.get('escalate') !== null && !o.get('escalate')!.isNull) {
    status = 'escalated';
    reason = 'escalate';
  } else if (o !== null && o.get('result') !== null) {
    status = 'result';
    reason = 'result';
  } else {
    return failWith(
      stringify(s),
      key +
        ': a supervisor must answer { assign: {...} }, { result: ... } or { escalate: ... }; it answered ' +
        stringify(out),
    );
  }

  // The team is done: its report goes up (or, at the top, ends the run).
  p.rounds.delete(task);
  if (task == root) {
    return answer(
      stateJson(s, p),
      '{"op":"complete","reason":' + str(status == 'result' ? 'result' : reason) + '}',
    );
  }
  const sup = s.getObj('parent')!.getString(task)!.valueOf();
  const report =
    '{"team":' +
    str(task) +
    ',"status":' +
    str(status) +
    (reason == 'rounds_exhausted' ? ',"reason":"rounds_exhausted"' : '') +
    ',"output":' +
    stringify(out) +
    '}';
  p.reports.set(sup, push(p.reports.has(sup) ? p.reports.get(sup) : null, report));
  return next(s, p, sup, status == 'result' ? 'report' : 'escalation');
}
