// router as an ABI 1.1 plugin: a classifier task's output names a category, and exactly one specialist
// task (pattern_config.routes: category -> task) runs next, handed the classification; a category
// without a route goes to pattern_config.fallback, or fails the run (BATON_E_ROUTE_UNKNOWN). The
// specialist's output completes the run as { <specialist>: output, router: { category, route, fallback } }.
// It judges failures (ABI 1.1 `failed` trigger): a routed specialist that fails for good (its retries
// spent) hands the case to the fallback ("retry elsewhere", router.failed saying what failed); the
// fallback or a specialist without one, or the classifier, failing for good fails the run with its own
// coded error. At most three steps per run.

import {
  failedTrigger,
  input,
  output,
  quote,
  stringify,
  JSON,
  Failure,
  refuseConfig as refuse,
} from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output(
    '{"abi_version":"1.1","kind":"pattern","name":"router","version":"1.1.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"required":["routes"],"properties":{' +
      '"classifier":{"type":"string","minLength":1,"description":"the classifying task (default: the first task)"},' +
      '"routes":{"type":"object","minProperties":1,"additionalProperties":{"type":"string","minLength":1},' +
      '"description":"category -> the task that handles it"},' +
      '"fallback":{"type":"string","minLength":1,"description":"the task for a category without a route (default: fail the run)"},' +
      '"field":{"type":"string","minLength":1,"default":"category","description":"the classifier output field naming the category"}}}}',
  );
  return 0;
}

const str = quote;

/** The config key `name` as a non-empty string; "" when absent; null when present but not one. */
function stringKey(config: JSON.Obj, name: string): string | null {
  const v = config.get(name);
  if (v === null) return '';
  if (!v.isString || (<JSON.Str>v).valueOf().length == 0) return null;
  return (<JSON.Str>v).valueOf();
}

export function pattern_init(): i32 {
  const req = input();
  const config = req.getObj('config');
  if (config === null) return refuse('pattern_config.routes is required: a map of category -> task');
  const keys = config.keys;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key != 'classifier' && key != 'routes' && key != 'fallback' && key != 'field') {
      return refuse('pattern_config: Unrecognized key: "' + key + '"');
    }
  }
  const tasks = req.getArr('tasks')!.valueOf();
  const ids = new Array<string>();
  for (let k = 0; k < tasks.length; k++) ids.push(changetype<JSON.Obj>(tasks[k]).getString('id')!.valueOf());

  let classifier = stringKey(config, 'classifier');
  if (classifier === null) return refuse('pattern_config.classifier: expected a task id');
  if (classifier.length == 0) classifier = ids[0];
  const cls = classifier!;
  if (!ids.includes(cls)) return refuse('pattern_config.classifier names "' + cls + '", which is not a task');
  const fallback = stringKey(config, 'fallback');
  if (fallback === null) return refuse('pattern_config.fallback: expected a task id');
  let field = stringKey(config, 'field');
  if (field === null) return refuse('pattern_config.field: expected a field name');
  if (field.length == 0) field = 'category';

  const routesValue = config.get('routes');
  if (routesValue === null || !routesValue.isObj) {
    return refuse('pattern_config.routes is required: a map of category -> task');
  }
  const routes = <JSON.Obj>routesValue;
  const categories = routes.keys;
  if (categories.length == 0) return refuse('pattern_config.routes: name at least one category');
  const targets = new Array<string>();
  for (let k = 0; k < categories.length; k++) {
    const v = routes.get(categories[k])!;
    const where = 'pattern_config.routes.' + categories[k];
    if (!v.isString) return refuse(where + ': expected a task id');
    const t = (<JSON.Str>v).valueOf();
    if (!ids.includes(t)) return refuse(where + ' names "' + t + '", which is not a task');
    if (t == cls) return refuse(where + ' names the classifier "' + cls + '"');
    if (!targets.includes(t)) targets.push(t);
  }
  if (fallback!.length > 0) {
    if (!ids.includes(fallback!)) {
      return refuse('pattern_config.fallback names "' + fallback! + '", which is not a task');
    }
    if (fallback! == cls) return refuse('pattern_config.fallback names the classifier "' + cls + '"');
    if (!targets.includes(fallback!)) targets.push(fallback!);
  }
  // Every other task is a specialist the classifier's verdict starts: it needs an agent, no `when`, and
  // may depend on the classifier only (it runs because it was chosen: a dependency on another
  // specialist, which never runs, would hold it forever).
  for (let k = 0; k < tasks.length; k++) {
    const t = changetype<JSON.Obj>(tasks[k]);
    const id = ids[k];
    if (id == cls) {
      if (t.getString('agent') === null) return refuse('the classifier "' + id + '" has no agent');
      continue;
    }
    if (!targets.includes(id)) {
      return refuse('task "' + id + '" is neither the classifier nor a route or the fallback');
    }
    if (t.getString('agent') === null) return refuse('the specialist "' + id + '" has no agent');
    const conditional = t.getBool('conditional');
    if (conditional !== null && conditional.valueOf()) {
      return refuse('the specialist "' + id + '" declares when: the classifier\'s category starts it');
    }
    const deps = t.getArr('depends_on');
    if (deps !== null) {
      const list = deps.valueOf();
      for (let d = 0; d < list.length; d++) {
        const dep = list[d].isString ? (<JSON.Str>list[d]).valueOf() : '';
        if (dep != cls) {
          return refuse(
            'the specialist "' +
              id +
              '" depends on "' +
              dep +
              '": a specialist may depend on the classifier only',
          );
        }
      }
    }
  }
  let judges = str(cls);
  let holds = '';
  for (let k = 0; k < targets.length; k++) {
    judges += ',' + str(targets[k]);
    holds += (k > 0 ? ',' : '') + str(targets[k]);
  }
  output(
    '{"setup":{"state":{"classifier":' +
      str(cls) +
      ',"field":' +
      str(field!) +
      ',"routes":' +
      stringify(routes) +
      ',"fallback":' +
      (fallback!.length > 0 ? str(fallback!) : 'null') +
      ',"category":null,"classification":null,"failed":null},"judges":[' +
      judges +
      '],"holds":[' +
      holds +
      '],"serial":false,"judges_failures":true}}',
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

/** The state with the category and classification chosen, and the failed specialist (JSON, or "null"). */
function withCategory(state: JSON.Obj, category: string, classification: string, failed: string): string {
  const fallback = state.get('fallback')!;
  return (
    '{"classifier":' +
    str(state.getString('classifier')!.valueOf()) +
    ',"field":' +
    str(state.getString('field')!.valueOf()) +
    ',"routes":' +
    stringify(state.getObj('routes')!) +
    ',"fallback":' +
    stringify(fallback) +
    ',"category":' +
    str(category) +
    ',"classification":' +
    classification +
    ',"failed":' +
    failed +
    '}'
  );
}

/** A failure for good as the run's error: the agent's own code, the message saying who failed. */
function failedFor(f: Failure, who: string, why: string): string {
  return (
    '{"op":"fail","error":{"code":' +
    str(f.code.length > 0 ? f.code : 'BATON_E_AGENT_FAILED') +
    ',"message":' +
    str(
      f.key +
        ': ' +
        who +
        (f.agent.length > 0 ? ' (agent ' + f.agent + ')' : '') +
        ' failed after ' +
        f.attempts.toString() +
        ' attempt(s): ' +
        f.message +
        why,
    ) +
    '},"reason":' +
    str(who.startsWith('the classifier') ? 'classifier_failed' : 'specialist_failed') +
    '}'
  );
}

/**
 * A `failed` trigger: the classifier fails the run; a routed specialist hands the case to the fallback
 * (once: the fallback failing, or a specialist without a fallback, fails the run with its error).
 */
function judgeFailure(stateObj: JSON.Obj, state: string, f: Failure): i32 {
  if (f.task == stateObj.getString('classifier')!.valueOf()) {
    return answer(state, failedFor(f, 'the classifier "' + f.task + '"', ''));
  }
  const fallback = stateObj.getString('fallback');
  const who = 'the specialist "' + f.task + '"';
  if (fallback === null) return answer(state, failedFor(f, who, ' (pattern_config.fallback is not set)'));
  if (fallback.valueOf() == f.task) return answer(state, failedFor(f, who, ' (it is the fallback)'));
  const category = stateObj.getString('category');
  const cat = category === null ? '' : category.valueOf();
  const classification = stringify(stateObj.get('classification'));
  const failed =
    '{"route":' +
    str(f.task) +
    ',"agent":' +
    str(f.agent) +
    ',"error":{"code":' +
    str(f.code) +
    ',"message":' +
    str(f.message) +
    '},"attempts":' +
    f.attempts.toString() +
    '}';
  return answer(
    withCategory(stateObj, cat, classification, failed),
    '{"op":"handoff","to":' +
      str(fallback.valueOf()) +
      ',"input":{"category":' +
      str(cat) +
      ',"classification":' +
      classification +
      ',"failed":' +
      failed +
      '},"reason":' +
      str('the specialist "' + f.task + '" failed (' + f.code + '): fallback') +
      '}',
  );
}

function routes(state: JSON.Obj): JSON.Obj {
  return state.getObj('routes')!;
}

export function pattern_step(): i32 {
  const req = input();
  const stateObj = req.getObj('state')!;
  const state = stringify(stateObj);
  const trigger = req.getObj('trigger')!;
  const kind = trigger.getString('kind');
  const thrown = failedTrigger(trigger);
  if (thrown !== null) return judgeFailure(stateObj, state, thrown);
  if (kind !== null && kind.valueOf() != 'output') return answer(state, '{"op":"continue"}');
  const key = trigger.getString('key')!.valueOf();
  const task = trigger.getString('task')!.valueOf();
  const raw = trigger.get('output');
  const outJson = raw === null ? 'null' : stringify(raw);

  if (task != stateObj.getString('classifier')!.valueOf()) {
    // A specialist answered: the run completes as `complete` does by default, { <task>: output }, with
    // how it was routed beside it.
    const category = stateObj.get('category')!;
    const failed = stateObj.get('failed');
    const rerouted = failed !== null && failed.isObj;
    return answer(
      state,
      '{"op":"complete","output":{' +
        str(task) +
        ':' +
        outJson +
        ',"router":{"category":' +
        stringify(category) +
        ',"route":' +
        str(task) +
        ',"fallback":' +
        (!rerouted && routes(stateObj).has(category.isString ? (<JSON.Str>category).valueOf() : '')
          ? 'false'
          : 'true') +
        (rerouted ? ',"failed":' + stringify(failed) : '') +
        '}}}',
    );
  }
  const field = stateObj.getString('field')!.valueOf();
  let category = '';
  if (raw !== null && raw.isString) {
    category = (<JSON.Str>raw).valueOf();
  } else if (raw !== null && raw.isObj && (<JSON.Obj>raw).getString(field) !== null) {
    category = (<JSON.Obj>raw).getString(field)!.valueOf();
  } else {
    return answer(
      state,
      failure(
        'BATON_E_PATTERN_OUTPUT',
        key,
        'the classifier must answer a category: a string, or an object whose "' + field + '" is a string',
      ),
    );
  }
  const table = routes(stateObj);
  const routed = table.getString(category);
  let to = '';
  let reason = '';
  if (routed !== null) {
    to = routed.valueOf();
    reason = 'category "' + category + '"';
  } else {
    const fallback = stateObj.getString('fallback');
    if (fallback === null) {
      return answer(
        state,
        failure(
          'BATON_E_ROUTE_UNKNOWN',
          key,
          'category "' +
            category +
            '" has no route (routes: ' +
            table.keys.join(', ') +
            ') and pattern_config.fallback is not set',
        ),
      );
    }
    to = fallback.valueOf();
    reason = 'category "' + category + '" has no route: fallback';
  }
  return answer(
    withCategory(stateObj, category, outJson, 'null'),
    '{"op":"handoff","to":' +
      str(to) +
      ',"input":{"category":' +
      str(category) +
      ',"classification":' +
      outJson +
      '},"reason":' +
      str(reason) +
      '}',
  );
}
