// AgentService.Work: one worker's bidirectional stream. Validates every message (a malformed one
// ends the stream with INVALID_ARGUMENT naming the field), drives the worker's hub session, and
// writes assignments, revocations and receipts without outrunning the client (queued on 'drain').
// The queue is bounded: a worker that sends (results, tool calls: each is answered) but does not read
// would otherwise have the server hold every answer for it; past MAX_QUEUED its stream ends with
// RESOURCE_EXHAUSTED (BATON_E_WORKER_TOO_SLOW), as for any disconnect its leases run on.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  UnknownLeaseError,
  type ResultReceipt,
  type WorkerHub,
  type WorkerSession,
} from '../agents/worker-hub.js';
import { BatonError } from '../errors/registry.js';
import { ApiError, toServiceError } from './errors.js';
import { TOOL_KINDS } from '../agents/worker-tools.js';
import { AssignmentState, type WorkRequest, type WorkResponse } from './gen/baton/v1/agent.js';
import { assignmentToProto, messageFromProto } from './agent-wire.js';

/** More concurrent assignments than this per worker is a typo, not a plan. */
const MAX_CAPACITY = 10_000;
/**
 * Messages held for a worker whose transport buffer is full. Assignments are bounded by its capacity;
 * the rest answer what the worker sent, so only a worker that writes without reading reaches this.
 */
export const MAX_QUEUED = 2 * MAX_CAPACITY;

type Call = ServerDuplexStream<WorkRequest, WorkResponse>;

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

export function workStream(hub: WorkerHub) {
  return (call: Call): void => {
    let session: WorkerSession | undefined;
    let ended = false;
    const outbox: WorkResponse[] = [];

    const send = (msg: WorkResponse): void => {
      if (ended) return;
      if (outbox.length >= MAX_QUEUED) {
        outbox.length = 0;
        return stop(
          new BatonError(
            'BATON_E_WORKER_TOO_SLOW',
            `the worker did not read its stream: ${MAX_QUEUED} messages were waiting for it; reconnect with the same worker_id and read what the server sends`,
          ),
        );
      }
      if (outbox.length > 0) outbox.push(msg);
      else if (!call.write(msg)) outbox.push(msg); // written, but the buffer is full: hold the rest
    };
    const flush = (): void => {
      // The first queued message was already handed to write(); send the others while it accepts.
      outbox.shift();
      while (outbox.length > 0 && !ended) {
        if (!call.write(outbox[0]!)) return;
        outbox.shift();
      }
    };
    call.on('drain', flush);

    const stop = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      session?.disconnect();
      if (err === undefined) call.end();
      else call.emit('error', toServiceError(err));
    };

    const handle = (req: WorkRequest): void => {
      if (!session) {
        if (!req.hello) throw invalid('hello', 'the first message on a Work stream must be a hello');
        session = hub.connect(parseHello(req.hello), {
          assign: (work) => send({ assignment: assignmentToProto(work) }),
          revoke: (leaseId, reason) => send({ revocation: { leaseId, reason } }),
          provideInput: (leaseId, input, inputId) => send({ inputProvided: { leaseId, input, inputId } }),
          // A shutdown ends the stream OK: the worker reconnects (to this server's successor).
          close: (reason, why) =>
            stop(why === 'replaced' ? new BatonError('BATON_E_WORKER_REPLACED', reason) : undefined),
        });
        send({
          welcome: {
            leaseDuration: {
              seconds: Math.floor(session.leaseMs / 1000),
              nanos: (session.leaseMs % 1000) * 1e6,
            },
            resumedLeaseIds: [...session.resumedLeaseIds],
          },
        });
        return;
      }
      onMessage(session, req, send);
    };

    call.on('data', (req: WorkRequest) => {
      if (ended) return;
      try {
        handle(req);
      } catch (err) {
        stop(err);
      }
    });
    call.on('end', () => stop());
    // The client went away (cancelled, connection lost): its leases run on until they lapse.
    call.on('cancelled', () => {
      ended = true;
      session?.disconnect();
    });
    call.on('error', () => {
      ended = true;
      session?.disconnect();
    });
  };
}

function parseHello(h: NonNullable<WorkRequest['hello']>) {
  if (h.workerId === '') throw invalid('hello.worker_id', 'is required: a name stable across reconnects');
  if (h.agentIds.length === 0)
    throw invalid('hello.agent_ids', 'must name at least one agent id or queue the worker serves');
  const blank = h.agentIds.indexOf('');
  if (blank >= 0) throw invalid(`hello.agent_ids[${blank}]`, 'is empty');
  if (h.capacity < 1 || h.capacity > MAX_CAPACITY)
    throw invalid('hello.capacity', `must be between 1 and ${MAX_CAPACITY} (got ${h.capacity})`);
  const held = h.held?.assignments.map((a, i) => {
    if (a.messageId === '') throw invalid(`hello.held.assignments[${i}].message_id`, 'is required');
    return { leaseId: a.leaseId, messageId: a.messageId, finished: a.finished };
  });
  return {
    workerId: h.workerId,
    routes: h.agentIds,
    capabilities: h.capabilities,
    capacity: h.capacity,
    ...(held && { held }),
  };
}

/** Names the field when the hub finds a lease id that was never this worker's. */
function atField<T>(fieldPath: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UnknownLeaseError) throw new ApiError(err.code, err.message, { fieldPath });
    throw err;
  }
}

const required = (value: string, fieldPath: string): string => {
  if (value === '') throw invalid(fieldPath, 'is required');
  return value;
};

function onMessage(session: WorkerSession, req: WorkRequest, send: (m: WorkResponse) => void): void {
  if (req.hello) throw invalid('hello', 'was already sent: a Work stream has one hello, first');
  if (req.heartbeat) {
    const ids = req.heartbeat.leaseIds;
    ids.forEach((id, i) => atField(`heartbeat.lease_ids[${i}]`, () => session.heartbeat([id])));
    return;
  }
  if (req.progress) {
    const p = req.progress;
    const id = required(p.leaseId, 'progress.lease_id');
    if (!(p.fraction >= 0 && p.fraction <= 1))
      throw invalid('progress.fraction', `must be between 0 and 1 (got ${p.fraction})`);
    atField('progress.lease_id', () => session.progress(id, p.fraction, p.message));
    return;
  }
  if (req.status) {
    const s = req.status;
    const id = required(s.leaseId, 'status.lease_id');
    const state =
      s.state === AssignmentState.ASSIGNMENT_STATE_WORKING
        ? 'working'
        : s.state === AssignmentState.ASSIGNMENT_STATE_INPUT_REQUIRED
          ? 'input-required'
          : undefined;
    if (!state)
      throw invalid('status.state', 'must be ASSIGNMENT_STATE_WORKING or ASSIGNMENT_STATE_INPUT_REQUIRED');
    atField('status.lease_id', () =>
      session.status(id, state, s.message ? messageFromProto(s.message) : undefined),
    );
    return;
  }
  if (req.inputRequired) {
    const q = req.inputRequired;
    const id = required(q.leaseId, 'input_required.lease_id');
    if (q.question.trim() === '')
      throw invalid('input_required.question', 'is required: say what the handler needs to know');
    atField('input_required.lease_id', () => session.inputRequired(id, q.question, q.data ?? null));
    return;
  }
  if (req.result) {
    const r = req.result;
    const id = required(r.leaseId, 'result.lease_id');
    const messageId = r.messageId === '' ? undefined : r.messageId;
    let receipt: Promise<ResultReceipt>;
    if (r.outputs !== undefined) {
      receipt = atField('result.lease_id', () => session.result(id, { outputs: r.outputs! }, messageId));
    } else if (r.failure !== undefined) {
      const f = r.failure;
      if (f.message === '') throw invalid('result.failure.message', 'is required: say what went wrong');
      const after = f.retryAfter
        ? f.retryAfter.seconds * 1000 + Math.floor(f.retryAfter.nanos / 1e6)
        : undefined;
      if (after !== undefined && after < 0)
        throw invalid('result.failure.retry_after', 'must not be negative');
      receipt = atField('result.lease_id', () =>
        session.result(
          id,
          {
            failure: {
              code: f.code,
              message: f.message,
              retryable: f.retryable,
              ...(after === undefined ? {} : { retryAfterMs: after }),
            },
          },
          messageId,
        ),
      );
    } else {
      throw invalid('result.outcome', 'must set outputs or failure');
    }
    // Accepted results are answered once their outcome is durable, so the worker may forget them then.
    void receipt.then((rc) =>
      send({ receipt: { leaseId: id, accepted: rc.accepted, reason: rc.accepted ? '' : rc.reason } }),
    );
    return;
  }
  if (req.toolCall) {
    const t = req.toolCall;
    const id = required(t.leaseId, 'tool_call.lease_id');
    if (t.call < 1) throw invalid('tool_call.call', 'must be 1 or more: calls are numbered from 1');
    const kind = TOOL_KINDS.find((k) => k === t.kind);
    if (kind === undefined)
      throw invalid('tool_call.kind', `must be one of ${TOOL_KINDS.join(', ')} (got "${t.kind}")`);
    const verdict = atField('tool_call.lease_id', () => session.toolCall(id, t.call, kind, t.args ?? null));
    // Never rejects: a refusal is a verdict that does not allow the call.
    void verdict.then((v) =>
      send({
        toolVerdict: {
          leaseId: id,
          call: t.call,
          allowed: v.allowed,
          args: v.allowed ? (v.args ?? null) : undefined,
          message: v.message ?? '',
          hook: v.hook ?? '',
          code: v.code ?? '',
          finished: false,
        },
      }),
    );
    return;
  }
  if (req.toolResult) {
    const t = req.toolResult;
    const id = required(t.leaseId, 'tool_result.lease_id');
    const done = atField('tool_result.lease_id', () =>
      session.toolResult(id, t.call, t.result ?? null, t.failed),
    );
    void done.then(() =>
      send({
        toolVerdict: {
          leaseId: id,
          call: t.call,
          allowed: true,
          args: undefined,
          message: '',
          hook: '',
          code: '',
          finished: true,
        },
      }),
    );
    return;
  }
  throw invalid(
    'kind',
    'a WorkRequest must set one of hello, heartbeat, progress, status, result, input_required, tool_call or tool_result',
  );
}
