// createWorker: a worker process's side of AgentService.Work (docs/workers.md). It keeps one stream
// open (reconnecting with backoff under the same worker_id, so leases survive a dropped connection),
// runs each assignment through the user's async handler, heartbeats the leases it holds, and reports
// results. Jobs are keyed by message_id (the idempotency key), so a re-delivered assignment never
// runs the handler twice: one still running carries on under the new lease, and one that finished is
// answered with its stored result (worker-results.ts) until the server's receipt says it is
// journaled. Each hello lists what the process holds, so a restarted server gives that work back to
// it and a restarted worker's stale leases go to others at once. close() drains: no new work,
// in-flight work gets a grace period.

import { hostname } from 'node:os';
import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import { createClient, type BatonClient } from './client.js';
import { decodeError, type BatonError } from './errors.js';
import { AssignmentState, WorkRequest, type Assignment, type WorkResponse } from './gen/baton/v1/agent.js';
import type { DeepPartial } from './gen/baton/v1/agent.js';
import { backoffMs, sleep } from './retry.js';
import { compileOptions, type Worker, type WorkerOptions } from './worker-options.js';
import { failureOf, type WorkerEvent } from './worker-events.js';
import { ResultCache, type WireResult } from './worker-results.js';
import {
  decodeMessage,
  instanceKeyOf,
  isOutputs,
  TaskAbortedError,
  traceparentOf,
  type Task,
} from './worker-task.js';
import { AnswerBox } from './worker-input.js';
import { ToolCalls } from './worker-tools.js';

/** One piece of work whose handler is running, under the lease it is currently held by. */
interface Job {
  leaseId: string;
  readonly messageId: string;
  readonly abort: AbortController;
  /** false once the lease is lost or revoked: no progress is sent about it. */
  live: boolean;
  /** Aborts the handler if a lost job is not re-delivered in time. */
  orphanTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
  /** The handler's question and the answers to it (requestInput). */
  readonly answers: AnswerBox;
  /** The handler's tool calls waiting for the run's hooks (tool). */
  readonly tools: ToolCalls;
}

const DEFAULT_LEASE_MS = 10_000;
/** Unconfirmed results listed in a hello and re-sent after a reconnect, at most (the newest). */
const RESEND_MAX = 1000;

export function createWorker(options: WorkerOptions): Worker {
  const { routes, retry, drainGraceMs } = compileOptions(options);
  const workerId = options.workerId ?? `${hostname()}-${process.pid}`;
  const emit = (event: WorkerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's bug must not break the worker's protocol handling.
    }
  };
  const client: BatonClient = createClient({
    address: options.address,
    retry: false,
    ...(options.credentials && { credentials: options.credentials }),
    ...(options.channelOptions && { channelOptions: options.channelOptions }),
  });

  /** Jobs by message_id; `byLease` maps every live lease id to its job. */
  const jobs = new Map<string, Job>();
  const byLease = new Map<string, Job>();
  const results = new ResultCache(options.results);
  /** Results sent on this connection and not answered yet: lease id -> message id. */
  const awaiting = new Map<string, string>();
  let running = 0;
  let stream: ClientDuplexStream<WorkRequest, WorkResponse> | undefined;
  let welcomed = false;
  let leaseMs = DEFAULT_LEASE_MS;
  let draining = false;
  let stopping = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let idle: (() => void) | undefined;
  const stopper = new AbortController();

  const send = (request: DeepPartial<WorkRequest>): boolean => {
    if (!stream || !welcomed) return false;
    stream.write(WorkRequest.fromPartial(request));
    return true;
  };

  const forget = (job: Job) => {
    clearTimeout(job.orphanTimer);
    clearTimeout(job.deadlineTimer);
    if (jobs.get(job.messageId) === job) jobs.delete(job.messageId);
    if (byLease.get(job.leaseId) === job) byLease.delete(job.leaseId);
  };

  const heartbeat = () => {
    send({ heartbeat: { leaseIds: [...byLease.keys()] } });
  };

  /** Reports a stored result under the lease it is held by now, naming its message id. */
  const report = (messageId: string) => {
    const stored = results.get(messageId);
    if (!stored || stored.confirmed) return;
    if (send({ result: { leaseId: stored.leaseId, messageId, ...stored.result } }))
      awaiting.set(stored.leaseId, messageId);
  };

  /**
   * The handler finished: the result is stored first (so a re-delivery never runs it again), then
   * sent. The server takes it while the attempt is in flight, under whichever lease; disconnected, it
   * goes out after the next welcome.
   */
  const finish = (job: Job, result: WireResult) => {
    results.put(job.messageId, job.leaseId, result);
    forget(job);
    report(job.messageId);
  };

  const runJob = async (job: Job, assignment: Assignment) => {
    const { input, description } = decodeMessage(assignment.message);
    const task: Task = {
      input,
      description,
      runId: assignment.runId,
      taskId: assignment.taskId,
      attempt: assignment.attempt,
      agentId: assignment.agentId,
      instanceKey: instanceKeyOf(assignment),
      traceparent: traceparentOf(assignment),
      messageId: job.messageId,
      idempotencyKey: job.messageId,
      get leaseId() {
        return job.leaseId;
      },
      deadline: assignment.deadline,
      message: assignment.message!,
      signal: job.abort.signal,
      progress(fraction, message = '') {
        if (!(fraction >= 0 && fraction <= 1))
          throw new RangeError(`progress: fraction must be in [0, 1], got ${fraction}`);
        if (job.live) send({ progress: { leaseId: job.leaseId, fraction, message } });
      },
      requestInput(question, data) {
        if (typeof question !== 'string' || question.trim() === '')
          throw new TypeError('requestInput: the question must be a non-empty string');
        const ask = () => job.live && send({ inputRequired: { leaseId: job.leaseId, question, data } });
        return job.answers.ask(question, data ?? null, ask, job.abort.signal);
      },
      tool(kind, args, fn) {
        const live = (r: Parameters<typeof send>[0]) => job.live && send(r);
        return job.tools.run(() => job.leaseId, kind, args, fn, live, job.abort.signal);
      },
      status(state, text) {
        const wire =
          state === 'input-required'
            ? AssignmentState.ASSIGNMENT_STATE_INPUT_REQUIRED
            : AssignmentState.ASSIGNMENT_STATE_WORKING;
        if (!job.live) return;
        send({
          status: {
            leaseId: job.leaseId,
            state: wire,
            ...(text !== undefined && {
              message: { messageId: `${job.messageId}:status`, parts: [{ text }] },
            }),
          },
        });
      },
    };
    running += 1;
    try {
      const outputs: unknown = await options.handler(task);
      // A handler that finished after its signal fired still did the work: its outputs are kept
      // and reported, for the server to take if the attempt is still in flight.
      if (!isOutputs(outputs)) {
        const what = Array.isArray(outputs) ? 'an array' : typeof outputs;
        const message = `the handler returned ${what}; a task's outputs must be an object`;
        emit({
          type: 'failed',
          leaseId: job.leaseId,
          code: 'BATON_E_AGENT_REJECTED',
          message,
          retryable: false,
        });
        return finish(job, {
          failure: { code: 'BATON_E_AGENT_REJECTED', message, retryable: false, retryAfter: undefined },
        });
      }
      emit({ type: 'completed', leaseId: job.leaseId, runId: task.runId, taskId: task.taskId });
      finish(job, { outputs: outputs ?? {} });
    } catch (err) {
      // Thrown after the signal fired: most likely the abort itself, not a verdict on the task.
      if (job.abort.signal.aborted) return forget(job);
      const failure = failureOf(err);
      emit({ type: 'failed', leaseId: job.leaseId, ...failure, error: err });
      finish(job, {
        failure: {
          code: failure.code,
          message: failure.message,
          retryable: failure.retryable,
          retryAfter:
            failure.retryAfterMs === undefined
              ? undefined
              : {
                  seconds: Math.floor(failure.retryAfterMs / 1000),
                  nanos: (failure.retryAfterMs % 1000) * 1e6,
                },
        },
      });
    } finally {
      running -= 1;
      if (running === 0) idle?.();
    }
  };

  const abortJob = (job: Job, why: TaskAbortedError['why'], message: string) => {
    job.live = false;
    byLease.delete(job.leaseId);
    if (!job.abort.signal.aborted) job.abort.abort(new TaskAbortedError(why, message));
  };

  const onAssignment = (assignment: Assignment) => {
    const messageId = assignment.message?.messageId ?? assignment.leaseId;
    const known = jobs.get(messageId);
    if (known && !known.abort.signal.aborted) {
      // Re-delivered work this worker still runs: carry on under the new lease, never run it twice.
      emit({ type: 'duplicate', leaseId: assignment.leaseId, previousLeaseId: known.leaseId, messageId });
      if (byLease.get(known.leaseId) === known) byLease.delete(known.leaseId);
      clearTimeout(known.orphanTimer);
      known.leaseId = assignment.leaseId;
      known.live = true;
      byLease.set(known.leaseId, known);
      const q = known.answers.asking;
      if (q && !q.sent)
        q.sent = send({ inputRequired: { leaseId: known.leaseId, question: q.question, data: q.data } });
      known.tools.resend();
      return;
    }
    if (results.rebind(messageId, assignment.leaseId)) {
      // Finished here before: answer with the stored result; the handler does not run again.
      emit({ type: 'replayed', leaseId: assignment.leaseId, messageId });
      return report(messageId);
    }
    if (draining) {
      // Not started: without heartbeats the lease lapses and the work goes to another worker.
      emit({ type: 'declined', leaseId: assignment.leaseId, messageId });
      return;
    }
    const job: Job = {
      leaseId: assignment.leaseId,
      messageId,
      abort: new AbortController(),
      live: true,
      answers: new AnswerBox(),
      tools: new ToolCalls(),
    };
    jobs.set(messageId, job);
    byLease.set(job.leaseId, job);
    if (assignment.deadline) {
      const ms = Math.max(0, assignment.deadline.getTime() - Date.now());
      job.deadlineTimer = setTimeout(
        () =>
          abortJob(job, 'deadline', `the assignment's deadline ${assignment.deadline!.toISOString()} passed`),
        ms,
      );
    }
    emit({
      type: 'assignment',
      leaseId: job.leaseId,
      messageId,
      runId: assignment.runId,
      taskId: assignment.taskId,
      attempt: assignment.attempt,
    });
    void runJob(job, assignment);
  };

  const onWelcome = (resumed: readonly string[], leaseDurationMs: number) => {
    welcomed = true;
    leaseMs = leaseDurationMs;
    awaiting.clear();
    const kept = new Set(resumed);
    // Results the server has not confirmed: under a resumed lease, or by message id (it takes them
    // if the attempt is in flight, e.g. re-issued after its restart).
    for (const stored of results.unconfirmed(RESEND_MAX)) report(stored.messageId);
    // Questions asked while disconnected go out now.
    for (const job of jobs.values()) {
      const q = job.answers.asking;
      if (q && !q.sent && kept.has(job.leaseId))
        q.sent = send({ inputRequired: { leaseId: job.leaseId, question: q.question, data: q.data } });
      // Tool calls whose verdict (or post-hooks' end) has not come: the server answers a repeat once.
      if (kept.has(job.leaseId)) job.tools.resend();
    }
    for (const job of [...jobs.values()]) {
      if (!job.live || kept.has(job.leaseId)) continue;
      // The server forgot this lease (it lapsed, or the server restarted). If the work comes back
      // (same message_id) the handler carries on under the new lease; otherwise it is aborted after
      // three lease periods (a takeover of a dead server's work takes about one, plus its grace).
      job.live = false;
      byLease.delete(job.leaseId);
      emit({ type: 'lost', leaseId: job.leaseId, messageId: job.messageId });
      job.orphanTimer = setTimeout(() => {
        abortJob(job, 'lost', `lease ${job.leaseId} did not survive the reconnect`);
        forget(job);
      }, 3 * leaseMs);
    }
    emit({ type: 'connected', workerId, leaseDurationMs, resumedLeaseIds: [...resumed] });
    resolveReady();
  };

  const onResponse = (response: WorkResponse) => {
    if (response.welcome) {
      const d = response.welcome.leaseDuration;
      onWelcome(response.welcome.resumedLeaseIds, d ? d.seconds * 1000 + d.nanos / 1e6 : DEFAULT_LEASE_MS);
    } else if (response.assignment) onAssignment(response.assignment);
    else if (response.revocation) {
      const { leaseId, reason } = response.revocation;
      const job = byLease.get(leaseId);
      if (!job) return;
      emit({ type: 'revoked', leaseId, reason });
      abortJob(job, 'revoked', reason || `lease ${leaseId} was revoked`);
      forget(job);
    } else if (response.inputProvided) {
      const answer = response.inputProvided;
      const input: unknown = answer.input;
      const id = answer.inputId || `${answer.leaseId}:${Date.now()}`;
      byLease.get(answer.leaseId)?.answers.offer(id, input ?? null);
    } else if (response.toolVerdict) {
      byLease.get(response.toolVerdict.leaseId)?.tools.offer(response.toolVerdict);
    } else if (response.receipt) {
      const { leaseId, accepted, reason } = response.receipt;
      const messageId = awaiting.get(leaseId);
      awaiting.delete(leaseId);
      // Accepted means journaled: a re-delivery can no longer happen, so the result is confirmed.
      if (accepted && messageId !== undefined) results.confirm(messageId);
      emit({ type: 'receipt', leaseId, accepted, reason });
    }
  };

  /** What this process holds, for the hello: handlers running, and results not yet confirmed. */
  const heldWork = () => [
    ...[...jobs.values()]
      .filter((j) => !j.abort.signal.aborted)
      .map((j) => ({ leaseId: j.leaseId, messageId: j.messageId, finished: false })),
    ...results
      .unconfirmed(RESEND_MAX)
      .map((r) => ({ leaseId: r.leaseId, messageId: r.messageId, finished: true })),
  ];

  /** One connection: resolves when it ends, with the error it ended with (none for a clean end). */
  const session = () =>
    new Promise<{ error: BatonError | undefined; welcomed: boolean }>((resolve) => {
      const call = client.agents.work();
      stream = call;
      welcomed = false;
      let beat: NodeJS.Timeout | undefined;
      let ended = false;
      const end = (error: BatonError | undefined) => {
        if (ended) return;
        ended = true;
        clearInterval(beat);
        stopper.signal.removeEventListener('abort', hangUp);
        if (stream === call) stream = undefined;
        const wasWelcomed = welcomed;
        welcomed = false;
        resolve({ error, welcomed: wasWelcomed });
      };
      // Half-close: the server ends the stream OK once it has read everything sent before. A stream
      // not welcomed yet has nothing to deliver, and a server that never ends the stream is cut off.
      const hangUp = () => {
        if (!welcomed) return call.cancel();
        call.end();
        setTimeout(() => call.cancel(), 5000).unref();
      };
      call.on('data', (r: WorkResponse) => {
        onResponse(r);
        // Well inside the lease: a third of it, as docs/workers.md advises.
        if (r.welcome && !beat) beat = setInterval(heartbeat, Math.max(20, Math.floor(leaseMs / 3)));
      });
      call.on('error', (err) => end(decodeError(err)));
      call.on('end', () => end(undefined));
      call.on('close', () => end(undefined));
      stopper.signal.addEventListener('abort', hangUp, { once: true });
      call.write(
        WorkRequest.fromPartial({
          hello: {
            workerId,
            agentIds: routes,
            capabilities: [...(options.capabilities ?? [])],
            capacity: options.capacity,
            held: { assignments: heldWork() },
          },
        }),
      );
    });

  const loop = async (): Promise<BatonError | undefined> => {
    let failures = 0;
    while (!stopping) {
      const { error, welcomed: wasWelcomed } = await session();
      if (stopping) return undefined;
      emit({ type: 'disconnected', ...(error && { error }) });
      // Another stream with this worker_id took over (two workers share an id): stop rather than fight.
      if (error?.code === 'BATON_E_WORKER_REPLACED' || error?.grpcStatus === status.UNIMPLEMENTED)
        return error;
      // A connection that got as far as a welcome starts the backoff over.
      failures = wasWelcomed ? 1 : failures + 1;
      try {
        await sleep(backoffMs(retry, Math.min(failures - 1, 30)), stopper.signal);
      } catch {
        return undefined;
      }
    }
    return undefined;
  };

  const done = loop().then((error) => {
    for (const job of jobs.values()) abortJob(job, 'shutdown', 'the worker stopped');
    results.close();
    client.close();
    emit({ type: 'stopped', ...(error && { error }) });
    resolveReady();
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      if (running > 0) {
        // Handlers get the grace period, then their signals fire; one that ignores its signal is not
        // waited for (its lease lapses and the work goes elsewhere).
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => {
            grace = setTimeout(() => {
              for (const job of jobs.values())
                abortJob(job, 'shutdown', `close(): the ${drainGraceMs} ms grace period ended`);
              resolve();
            }, drainGraceMs);
          }),
        ]);
        clearTimeout(grace);
      }
      // Results not yet answered (sent, or computed while disconnected) get the grace period too.
      const until = Date.now() + drainGraceMs;
      const unanswered = () => awaiting.size > 0 || !welcomed;
      while (results.unconfirmed(1).length > 0 && unanswered() && Date.now() < until) await sleep(50);
      stopping = true;
      stopper.abort();
      await done;
    })());

  return {
    workerId,
    ready,
    done,
    get inFlight() {
      return running;
    },
    close,
  };
}
