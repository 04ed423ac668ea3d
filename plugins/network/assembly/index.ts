// network as an ABI 1.1 plugin. Every task is a peer (one agent each); peers address each other by
// messages. A peer's output `{ to: <peer> | [<peer>...] | "all", message, done? }` sends `message` to
// each addressed peer (by agent or task id; "all" is every other peer still in the network). Each
// delivered message is published as an ABI 1.1 event on the configured channel (type "message",
// addressed to the peer's task) and goes into the peer's inbox; the addressed peers that are idle run
// next, several at once, each with `{ inbox: [{ seq, from, message }...], peers }` added to its input
// (rerun or handoff with per-task `inputs`). A peer still running when addressed gets its inbox when
// its own output is in. The network ends at quiescence (no peer running, no message undelivered), when
// a peer answers `done: true` (the termination field) or a message containing the termination phrase,
// or when one more message would exceed max_messages. Output: { network: { transcript, messages,
// ended_by, dropped, failed } }. Agent failure (the plugin judges failures): on_peer_failure "fail"
// (default) fails the run with BATON_E_PEER_FAILED; "skip" leaves the peer out from then on, its
// undelivered messages (and any later ones to it) dropped and counted.

import {
  event,
  failedTrigger,
  input,
  output,
  quote,
  stringify,
  taskInputs,
  withEvents,
  JSON,
  refuseConfig as refuse,
  configString,
} from '../../../sdk/pattern-kit/assembly/index';

export function baton_abi_v1(): void {}

export function baton_describe(): i32 {
  output(
    '{"abi_version":"1.1","kind":"pattern","name":"network","version":"1.0.0","config_schema":' +
      '{"type":"object","additionalProperties":false,"properties":{' +
      '"entry":{"description":"the peer(s) that start (agent or task id, or a list); default the first task"},' +
      '"channel":{"type":"string","minLength":1,"description":"coordination.event_driven channel each message is published on; without it, messages are only delivered"},' +
      '"max_messages":{"type":"integer","minimum":1,"maximum":1000,"default":50},' +
      '"termination_phrase":{"type":"string","minLength":1},' +
      '"termination_field":{"type":"string","minLength":1,"default":"done"},' +
      '"on_peer_failure":{"enum":["fail","skip"],"default":"fail"}}}}',
  );
  return 0;
}

const str = quote;

/** A config string: null when absent, "" when present but not a non-empty string. */

function indexOfPeer(tasks: string[], agents: string[], name: string): i32 {
  for (let k = 0; k < tasks.length; k++) if (tasks[k] == name || agents[k] == name) return k;
  return -1;
}

function boolList(values: bool[]): string {
  let out = '[';
  for (let k = 0; k < values.length; k++) out += (k > 0 ? ',' : '') + (values[k] ? 'true' : 'false');
  return out + ']';
}

export function pattern_init(): i32 {
  const req = input();
  let max: i64 = 50;
  let channel = '';
  let phrase = '';
  let field = 'done';
  let onFailure = 'fail';
  let entryNames = new Array<string>();
  const config = req.getObj('config');
  if (config !== null) {
    const keys = config.keys;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (
        key != 'entry' &&
        key != 'channel' &&
        key != 'max_messages' &&
        key != 'termination_phrase' &&
        key != 'termination_field' &&
        key != 'on_peer_failure'
      ) {
        return refuse('pattern_config: Unrecognized key: "' + key + '"');
      }
    }
    const m = config.get('max_messages');
    if (m !== null) {
      if (!m.isInteger) return refuse('pattern_config.max_messages: expected an integer from 1 to 1000');
      max = (<JSON.Integer>m).valueOf();
      if (max < 1 || max > 1000)
        return refuse('pattern_config.max_messages: expected an integer from 1 to 1000');
    }
    const c = configString(config, 'channel');
    if (c !== null) {
      if (c.length == 0) return refuse('pattern_config.channel: expected a channel name');
      channel = c;
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
    const o = configString(config, 'on_peer_failure');
    if (o !== null) {
      if (o != 'fail' && o != 'skip')
        return refuse('pattern_config.on_peer_failure: expected "fail" or "skip"');
      onFailure = o;
    }
    const e = config.get('entry');
    if (e !== null) {
      if (e.isString && (<JSON.Str>e).valueOf().length > 0) entryNames.push((<JSON.Str>e).valueOf());
      else if (e.isArr && (<JSON.Arr>e).valueOf().length > 0) {
        const items = (<JSON.Arr>e).valueOf();
        for (let k = 0; k < items.length; k++) {
          if (!items[k].isString) return refuse('pattern_config.entry: expected a peer or a list of peers');
          entryNames.push((<JSON.Str>items[k]).valueOf());
        }
      } else return refuse('pattern_config.entry: expected a peer or a list of peers');
    }
  }
  const list = req.getArr('tasks')!.valueOf();
  const tasks = new Array<string>();
  const agents = new Array<string>();
  for (let k = 0; k < list.length; k++) {
    const t = changetype<JSON.Obj>(list[k]);
    const id = t.getString('id')!.valueOf();
    const agentValue = t.getString('agent');
    const deps = t.getArr('depends_on');
    const conditional = t.getBool('conditional');
    if (agentValue === null) return refuse('task "' + id + '" has no agent: every network task is a peer');
    if ((deps !== null && deps.valueOf().length > 0) || (conditional !== null && conditional.valueOf())) {
      return refuse(
        'task "' + id + '" declares depends_on or when: peers run when addressed, not by the graph',
      );
    }
    const agent = agentValue.valueOf();
    if (agents.includes(agent)) {
      return refuse('task "' + id + '" is a second task of agent "' + agent + '": each peer is one task');
    }
    tasks.push(id);
    agents.push(agent);
  }
  if (tasks.length < 2)
    return refuse('a network needs at least two peer tasks, found ' + tasks.length.toString());
  const busy = new Array<bool>(tasks.length);
  if (entryNames.length == 0) entryNames.push(tasks[0]);
  for (let k = 0; k < entryNames.length; k++) {
    const at = indexOfPeer(tasks, agents, entryNames[k]);
    if (at < 0) return refuse('pattern_config.entry: no peer "' + entryNames[k] + '" (a task or agent id)');
    busy[at] = true;
  }
  let peers = '';
  let judges = '';
  let holds = '';
  let inboxes = '';
  for (let k = 0; k < tasks.length; k++) {
    peers += (k > 0 ? ',' : '') + '{"task":' + str(tasks[k]) + ',"agent":' + str(agents[k]) + '}';
    judges += (k > 0 ? ',' : '') + str(tasks[k]);
    inboxes += (k > 0 ? ',' : '') + '[]';
    if (!busy[k]) holds += (holds.length > 0 ? ',' : '') + str(tasks[k]);
  }
  output(
    '{"setup":{"state":{"channel":' +
      str(channel) +
      ',"max_messages":' +
      max.toString() +
      ',"termination_phrase":' +
      str(phrase) +
      ',"termination_field":' +
      str(field) +
      ',"on_peer_failure":' +
      str(onFailure) +
      ',"peers":[' +
      peers +
      '],"busy":' +
      boolList(busy) +
      ',"failed":' +
      boolList(new Array<bool>(tasks.length)) +
      ',"inbox":[' +
      inboxes +
      '],"sent":0,"dropped":0,"transcript":[]},"judges":[' +
      judges +
      '],"holds":[' +
      holds +
      '],"serial":false,"judges_failures":true}}',
  );
  return 0;
}

/** The network as one step sees it: the state parsed into arrays, written back by json(). */
class Net {
  channel: string;
  max: i64;
  phrase: string;
  field: string;
  onFailure: string;
  tasks: string[] = [];
  agents: string[] = [];
  busy: bool[] = [];
  failed: bool[] = [];
  /** Each peer's undelivered messages, as JSON texts. */
  inbox: string[][] = [];
  sent: i64;
  dropped: i64;
  transcript: string[] = [];

  constructor(s: JSON.Obj) {
    this.channel = s.getString('channel')!.valueOf();
    this.max = s.getInteger('max_messages')!.valueOf();
    this.phrase = s.getString('termination_phrase')!.valueOf();
    this.field = s.getString('termination_field')!.valueOf();
    this.onFailure = s.getString('on_peer_failure')!.valueOf();
    const peers = s.getArr('peers')!.valueOf();
    const busy = s.getArr('busy')!.valueOf();
    const failed = s.getArr('failed')!.valueOf();
    const inbox = s.getArr('inbox')!.valueOf();
    for (let k = 0; k < peers.length; k++) {
      const p = changetype<JSON.Obj>(peers[k]);
      this.tasks.push(p.getString('task')!.valueOf());
      this.agents.push(p.getString('agent')!.valueOf());
      this.busy.push((<JSON.Bool>busy[k]).valueOf());
      this.failed.push((<JSON.Bool>failed[k]).valueOf());
      const messages = (<JSON.Arr>inbox[k]).valueOf();
      const texts = new Array<string>();
      for (let m = 0; m < messages.length; m++) texts.push(stringify(messages[m]));
      this.inbox.push(texts);
    }
    this.sent = s.getInteger('sent')!.valueOf();
    this.dropped = s.getInteger('dropped')!.valueOf();
    const transcript = s.getArr('transcript')!.valueOf();
    for (let k = 0; k < transcript.length; k++) this.transcript.push(stringify(transcript[k]));
  }

  peer(name: string): i32 {
    return indexOfPeer(this.tasks, this.agents, name);
  }

  json(): string {
    let peers = '';
    let inboxes = '';
    for (let k = 0; k < this.tasks.length; k++) {
      peers += (k > 0 ? ',' : '') + '{"task":' + str(this.tasks[k]) + ',"agent":' + str(this.agents[k]) + '}';
      inboxes += (k > 0 ? ',' : '') + '[' + this.inbox[k].join(',') + ']';
    }
    return (
      '{"channel":' +
      str(this.channel) +
      ',"max_messages":' +
      this.max.toString() +
      ',"termination_phrase":' +
      str(this.phrase) +
      ',"termination_field":' +
      str(this.field) +
      ',"on_peer_failure":' +
      str(this.onFailure) +
      ',"peers":[' +
      peers +
      '],"busy":' +
      boolList(this.busy) +
      ',"failed":' +
      boolList(this.failed) +
      ',"inbox":[' +
      inboxes +
      '],"sent":' +
      this.sent.toString() +
      ',"dropped":' +
      this.dropped.toString() +
      ',"transcript":[' +
      this.transcript.join(',') +
      ']}'
    );
  }

  /** The run's output once the network ends. */
  result(endedBy: string): string {
    let failed = '';
    for (let k = 0; k < this.tasks.length; k++) {
      if (this.failed[k]) failed += (failed.length > 0 ? ',' : '') + str(this.agents[k]);
    }
    return (
      '{"network":{"transcript":[' +
      this.transcript.join(',') +
      '],"messages":' +
      this.sent.toString() +
      ',"ended_by":' +
      str(endedBy) +
      ',"dropped":' +
      this.dropped.toString() +
      ',"failed":[' +
      failed +
      ']}}'
    );
  }

  peerList(): string {
    let out = '[';
    let n = 0;
    for (let k = 0; k < this.agents.length; k++) {
      if (this.failed[k]) continue;
      out += (n++ > 0 ? ',' : '') + str(this.agents[k]);
    }
    return out + ']';
  }
}

function answer(state: string, decision: string): i32 {
  output('{"state":' + state + ',"decision":' + decision + '}');
  return 0;
}

function complete(net: Net, endedBy: string, events: string[]): i32 {
  return answer(
    net.json(),
    withEvents(
      '{"op":"complete","output":' + net.result(endedBy) + ',"reason":' + str('ended_by_' + endedBy) + '}',
      events,
    ),
  );
}

/**
 * After the judged peer `self` is done with this step: the idle peers with mail run next, each with
 * its inbox (rerun when `self` is among them, else handoff from `self`); with none, the step goes on
 * while other peers still run, and the network is quiescent when none does.
 */
function next(net: Net, self: i32, events: string[]): i32 {
  const run = new Array<i32>();
  for (let k = 0; k < net.tasks.length; k++) {
    if (!net.failed[k] && !net.busy[k] && net.inbox[k].length > 0) run.push(k);
  }
  if (run.length == 0) {
    for (let k = 0; k < net.tasks.length; k++) {
      if (net.busy[k]) return answer(net.json(), withEvents('{"op":"continue"}', events));
    }
    return complete(net, 'quiescence', events);
  }
  const ids = new Array<string>();
  const fields = new Array<string>();
  let also = '';
  let first = '';
  let selfRuns = false;
  for (let n = 0; n < run.length; n++) {
    const k = run[n];
    ids.push(net.tasks[k]);
    fields.push('{"inbox":[' + net.inbox[k].join(',') + ']}');
    net.inbox[k] = new Array<string>();
    net.busy[k] = true;
    if (k == self) selfRuns = true;
    else if (first.length == 0) first = net.tasks[k];
    else also += (also.length > 0 ? ',' : '') + str(net.tasks[k]);
  }
  const shared = '{"peers":' + net.peerList() + '}';
  const rest = ',"input":' + shared + ',"inputs":' + taskInputs(ids, fields) + '}';
  if (selfRuns) {
    // The judged peer has mail too: it runs again, with the others at once.
    const others = first.length == 0 ? '' : str(first) + (also.length > 0 ? ',' + also : '');
    return answer(net.json(), withEvents('{"op":"rerun","also":[' + others + ']' + rest, events));
  }
  return answer(
    net.json(),
    withEvents('{"op":"handoff","to":' + str(first) + ',"also":[' + also + ']' + rest, events),
  );
}

/** The agents a peer's `to` names, as peer positions; -1 in the list for a name that is no peer. */
function recipients(net: Net, self: i32, to: JSON.Value | null): i32[] {
  const out = new Array<i32>();
  if (to === null) return out;
  if (to.isString && (<JSON.Str>to).valueOf() == 'all') {
    for (let k = 0; k < net.tasks.length; k++) if (k != self && !net.failed[k]) out.push(k);
    return out;
  }
  const names = new Array<string>();
  if (to.isString) names.push((<JSON.Str>to).valueOf());
  else if (to.isArr) {
    const items = (<JSON.Arr>to).valueOf();
    for (let k = 0; k < items.length; k++)
      names.push(items[k].isString ? (<JSON.Str>items[k]).valueOf() : '');
  } else out.push(-1);
  for (let k = 0; k < names.length; k++) {
    const at = net.peer(names[k]);
    if (!out.includes(at)) out.push(at);
  }
  return out;
}

function outputError(net: Net, key: string, message: string): i32 {
  return answer(
    net.json(),
    '{"op":"fail","error":{"code":"BATON_E_PATTERN_OUTPUT","message":' + str(key + ': ' + message) + '}}',
  );
}

export function pattern_step(): i32 {
  const req = input();
  const s = req.getObj('state')!;
  const trigger = req.getObj('trigger')!;
  const kind = trigger.getString('kind')!.valueOf();
  if (kind != 'output' && kind != 'failed') return answer(stringify(s), '{"op":"continue"}');
  const net = new Net(s);
  const task = trigger.getString('task')!.valueOf();
  const key = trigger.getString('key')!.valueOf();
  const self = net.peer(task);
  if (self < 0) return answer(net.json(), '{"op":"continue"}');
  net.busy[self] = false;
  const seq = net.transcript.length + 1;

  const failure = failedTrigger(trigger);
  if (failure !== null) {
    const code = failure.code;
    const message = failure.message;
    const tries = failure.attempts.toString();
    if (net.onFailure == 'fail') {
      return answer(
        net.json(),
        '{"op":"fail","error":{"code":"BATON_E_PEER_FAILED","message":' +
          str(
            key +
              ': peer ' +
              net.agents[self] +
              ' failed (' +
              code +
              ': ' +
              message +
              ') after ' +
              tries +
              ' attempt(s)',
          ) +
          '},"reason":"peer_failed"}',
      );
    }
    net.failed[self] = true;
    net.dropped += net.inbox[self].length;
    net.inbox[self] = new Array<string>();
    net.transcript.push(
      '{"seq":' +
        seq.toString() +
        ',"from":' +
        str(net.agents[self]) +
        ',"task":' +
        str(task) +
        ',"failed":{"code":' +
        str(code) +
        ',"message":' +
        str(message) +
        '}}',
    );
    return next(net, self, new Array<string>());
  }

  // A peer spoke: its message goes into the transcript, and to the inboxes of the peers it addresses.
  const out = trigger.get('output');
  let to: JSON.Value | null = null;
  let message = 'null';
  let text: string | null = null;
  let done = false;
  if (out !== null && out.isObj) {
    const o = <JSON.Obj>out;
    to = o.get('to');
    const m = o.get('message');
    if (m !== null) {
      message = stringify(m);
      if (m.isString) text = (<JSON.Str>m).valueOf();
    }
    const flag = o.getBool(net.field);
    done = flag !== null && flag.valueOf();
  }
  const targets = recipients(net, self, to);
  if (targets.includes(-1)) {
    return outputError(
      net,
      key,
      'a peer answers { to: <peer> | [<peer>...] | "all", message, done? } with peers among ' +
        net.peerList() +
        '; it answered ' +
        (out === null ? 'null' : stringify(out)),
    );
  }
  let names = '';
  for (let n = 0; n < targets.length; n++) names += (n > 0 ? ',' : '') + str(net.agents[targets[n]]);
  net.transcript.push(
    '{"seq":' +
      seq.toString() +
      ',"from":' +
      str(net.agents[self]) +
      ',"task":' +
      str(task) +
      ',"to":[' +
      names +
      '],"message":' +
      message +
      '}',
  );
  const none = new Array<string>();
  if (done) return complete(net, 'done', none);
  if (net.phrase.length > 0 && text !== null && text!.includes(net.phrase))
    return complete(net, 'phrase', none);
  if (net.sent + <i64>targets.length > net.max) return complete(net, 'max_messages', none);
  const events = new Array<string>();
  for (let n = 0; n < targets.length; n++) {
    const k = targets[n];
    net.sent++;
    const mail =
      '{"seq":' + seq.toString() + ',"from":' + str(net.agents[self]) + ',"message":' + message + '}';
    if (net.failed[k]) {
      net.dropped++;
      continue;
    }
    net.inbox[k].push(mail);
    if (net.channel.length > 0) {
      const data =
        '{"seq":' +
        seq.toString() +
        ',"from":' +
        str(net.agents[self]) +
        ',"to":' +
        str(net.agents[k]) +
        ',"message":' +
        message +
        '}';
      events.push(event(net.channel, 'message', data, net.tasks[k]));
    }
  }
  return next(net, self, events);
}
