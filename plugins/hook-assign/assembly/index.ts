// assign: the built-in automated-assignment hook (pre_task). The engine passes the agents capable of
// the task (context.candidates, the declared agent first) and each one's record from past runs'
// journals (context.stats: attempts, successes, successRate, meanLatencyMs, cost when the agent
// declares one). It picks the best record: the highest success rate, smoothed so an agent with few
// attempts is not judged on one (Laplace: (successes + 1) / (attempts + 2)); then the lower declared
// cost; then the lower mean latency; then the declared order. It answers a patch { agent } when the
// pick differs from the declared agent, else lets the task go as it is. Other triggers: continue.

import { input, output, quote, JSON } from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output('{"abi_version":"1.0","kind":"hook","name":"assign","version":"1.0.0","config_schema":{}}');
  return 0;
}

function num(o: JSON.Obj, key: string, otherwise: f64): f64 {
  const v = o.get(key);
  if (v === null) return otherwise;
  if (v.isInteger) return <f64>(<JSON.Integer>v).valueOf();
  if (v.isFloat) return (<JSON.Float>v).valueOf();
  return otherwise;
}

class Pick {
  constructor(
    public agent: string,
    public score: f64,
    public cost: f64,
    public latency: f64,
    public attempts: f64,
  ) {}
}

/** True when a is a better record than b (the earlier candidate wins a full tie). */
function better(a: Pick, b: Pick): bool {
  if (a.score != b.score) return a.score > b.score;
  if (a.cost != b.cost) return a.cost < b.cost;
  if (a.latency != b.latency) return a.latency < b.latency;
  return false;
}

function fixed(x: f64): string {
  return (Math.round(x * 100) / 100).toString();
}

export function hook_run(): i32 {
  const req = input();
  const trigger: JSON.Str | null = req.getString('trigger');
  const inv: JSON.Obj | null = req.getObj('context');
  if (trigger === null || trigger.valueOf() != 'pre_task' || inv === null) {
    output('{"outcome":"continue"}');
    return 0;
  }
  const ctx: JSON.Obj | null = inv.getObj('context');
  if (ctx === null) {
    output('{"outcome":"continue"}');
    return 0;
  }
  const candidates: JSON.Arr | null = ctx.getArr('candidates');
  const stats: JSON.Obj | null = ctx.getObj('stats');
  const declared: JSON.Str | null = ctx.getString('agent');
  if (candidates === null || stats === null) {
    output('{"outcome":"continue","message":"no candidates or statistics: the declared agent runs"}');
    return 0;
  }
  const list = candidates.valueOf();
  let best: Pick | null = null;
  for (let i = 0; i < list.length; i++) {
    if (!list[i].isString) continue;
    const id = (<JSON.Str>list[i]).valueOf();
    const s: JSON.Obj | null = stats.getObj(id);
    const attempts = s === null ? 0.0 : num(s, 'attempts', 0.0);
    const successes = s === null ? 0.0 : num(s, 'successes', 0.0);
    const r = new Pick(
      id,
      (successes + 1.0) / (attempts + 2.0),
      s === null ? f64.MAX_VALUE : num(s, 'cost', f64.MAX_VALUE),
      s === null || attempts == 0.0 ? f64.MAX_VALUE : num(s, 'meanLatencyMs', f64.MAX_VALUE),
      attempts,
    );
    if (best === null || better(r, best)) best = r;
  }
  if (best === null) {
    output('{"outcome":"continue"}');
    return 0;
  }
  const pick = changetype<Pick>(best);
  if (declared !== null && declared.valueOf() == pick.agent) {
    output('{"outcome":"continue"}');
    return 0;
  }
  const why =
    'assigned ' +
    pick.agent +
    ': best record of ' +
    list.length.toString() +
    ' capable agent(s) (success ' +
    fixed(pick.score) +
    ' smoothed over ' +
    (<i64>pick.attempts).toString() +
    ' attempt(s))';
  output('{"outcome":"continue","message":' + quote(why) + ',"patch":{"agent":' + quote(pick.agent) + '}}');
  return 0;
}
