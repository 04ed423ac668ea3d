// The CLI's client of a Baton server's ScheduleService (`baton schedule ... --server`), in plain values:
// schedules come back as the same ScheduleSummary the CLI prints for the data directory, and failed calls
// as BatonErrors with the server's code; a refused schedule names every field at fault.

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import type { ScheduleSummary } from '../runtime/schedules.js';
import { ANSWERS_OF_ANY_SIZE, callError, notGrpc } from './client.js';
import { readErrorDetail } from './errors.js';
import {
  CreateScheduleRequest,
  OverlapPolicy,
  ScheduleServiceClient,
  type Schedule,
} from './gen/baton/v1/schedule.js';
import type { Duration } from './gen/google/protobuf/duration.js';

const CALL_DEADLINE_MS = 30_000;

const seconds = (d: Duration | undefined) => (d ? d.seconds + d.nanos / 1e9 : 0);
const iso = (d: Date | undefined) => d?.toISOString();

const OVERLAP_NAME: Partial<Record<OverlapPolicy, string>> = {
  [OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED]: 'skip',
  [OverlapPolicy.OVERLAP_POLICY_SKIP]: 'skip',
  [OverlapPolicy.OVERLAP_POLICY_BUFFER_ONE]: 'buffer_one',
  [OverlapPolicy.OVERLAP_POLICY_ALLOW_ALL]: 'allow_all',
};
const OVERLAP_BY_NAME: Record<string, OverlapPolicy> = {
  skip: OverlapPolicy.OVERLAP_POLICY_SKIP,
  buffer_one: OverlapPolicy.OVERLAP_POLICY_BUFFER_ONE,
  allow_all: OverlapPolicy.OVERLAP_POLICY_ALLOW_ALL,
};

function summary(s: Schedule): ScheduleSummary {
  const spec = s.spec;
  const info = s.info;
  const error = info?.lastErrorCode
    ? { code: info.lastErrorCode, message: info.lastErrorMessage, at: iso(info.lastErrorTime) ?? '' }
    : undefined;
  const buffered = iso(info?.bufferedFireTime);
  return {
    id: s.scheduleId,
    workflow: s.action?.workflowId ?? '',
    hasSource: (s.action?.workflowSource ?? '') !== '',
    ...(spec?.cron !== undefined
      ? { cron: spec.cron, timezone: spec.timezone }
      : { everySeconds: seconds(spec?.interval) }),
    overlap: OVERLAP_NAME[spec?.overlap ?? OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED] ?? 'unknown',
    catchupWindowSeconds: seconds(spec?.catchupWindow),
    input: s.action?.inputData ?? {},
    paused: s.paused,
    note: s.note,
    nextFire: iso(s.nextFireTime) ?? null,
    counts: {
      started: info?.runsStarted ?? 0,
      skipped: info?.firesSkipped ?? 0,
      missed: info?.firesMissed ?? 0,
      failed: info?.startsFailed ?? 0,
    },
    ...(buffered !== undefined && { bufferedFire: buffered }),
    recentRuns: (info?.recentRuns ?? []).map((r) => ({
      runId: r.runId,
      fireTime: iso(r.fireTime) ?? '',
      manual: r.manual,
    })),
    ...(error && { lastError: error }),
  };
}

/** What `baton schedule add` sends; durations in ms. */
export interface RemoteScheduleRequest {
  readonly id: string;
  readonly cron?: string;
  readonly everyMs?: number;
  readonly timezone?: string;
  readonly overlap?: string;
  readonly catchupWindowMs?: number;
  readonly workflow?: string;
  readonly source?: string;
  readonly input?: Record<string, unknown>;
  readonly paused?: boolean;
  readonly note?: string;
}

const duration = (ms: number): Duration => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

export class RemoteSchedules {
  readonly #client: ScheduleServiceClient;

  constructor(readonly address: string) {
    this.#client = new ScheduleServiceClient(address, credentials.createInsecure(), ANSWERS_OF_ANY_SIZE);
  }

  close(): void {
    this.#client.close();
  }

  #unary<Res>(rpc: string, req: object): Promise<Res> {
    type Call = (
      req: object,
      md: Metadata,
      opts: { deadline: number },
      cb: (err: ServiceError | null, res: Res) => void,
    ) => void;
    const fn = (this.#client as unknown as Record<string, Call>)[rpc[0]!.toLowerCase() + rpc.slice(1)]!;
    return new Promise((resolve, reject) => {
      fn.call(this.#client, req, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) => {
        if (!err) return resolve(res);
        if (
          err.code === status.UNIMPLEMENTED &&
          err.metadata.get('baton-error-bin').length === 0 &&
          notGrpc(err.details) === undefined
        )
          return reject(
            new BatonError(
              'BATON_E_SERVER_UNIMPLEMENTED',
              `server ${this.address} does not serve ScheduleService.${rpc}`,
            ),
          );
        reject(withViolations(err, this.address, rpc));
      });
    });
  }

  async create(r: RemoteScheduleRequest): Promise<ScheduleSummary> {
    const overlap = r.overlap === undefined ? undefined : OVERLAP_BY_NAME[r.overlap];
    if (r.overlap !== undefined && overlap === undefined)
      throw new BatonError(
        'BATON_E_SCHEDULE_INVALID',
        `spec.overlap: "${r.overlap}" is not an overlap policy (${Object.keys(OVERLAP_BY_NAME).join(', ')})`,
      );
    const req = CreateScheduleRequest.fromPartial({
      scheduleId: r.id,
      spec: {
        ...(r.cron !== undefined && { cron: r.cron }),
        ...(r.everyMs !== undefined && { interval: duration(r.everyMs) }),
        timezone: r.timezone ?? '',
        ...(overlap !== undefined && { overlap }),
        ...(r.catchupWindowMs !== undefined && { catchupWindow: duration(r.catchupWindowMs) }),
      },
      action: {
        workflowId: r.workflow ?? '',
        workflowSource: r.source ?? '',
        ...(r.input !== undefined && { inputData: r.input }),
      },
      paused: r.paused ?? false,
      note: r.note ?? '',
    });
    return summary((await this.#unary<{ schedule?: Schedule }>('CreateSchedule', req)).schedule!);
  }

  async get(id: string): Promise<ScheduleSummary> {
    return summary((await this.#unary<{ schedule?: Schedule }>('GetSchedule', { scheduleId: id })).schedule!);
  }

  /** Every schedule (all pages), by id. */
  async list(): Promise<ScheduleSummary[]> {
    const out: ScheduleSummary[] = [];
    let pageToken = '';
    do {
      const res = await this.#unary<{ schedules: Schedule[]; nextPageToken: string }>('ListSchedules', {
        pageSize: 1000,
        pageToken,
      });
      out.push(...res.schedules.map(summary));
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return out;
  }

  async delete(id: string): Promise<void> {
    await this.#unary('DeleteSchedule', { scheduleId: id });
  }

  async pause(id: string, note: string, paused: boolean): Promise<ScheduleSummary> {
    const rpc = paused ? 'PauseSchedule' : 'UnpauseSchedule';
    return summary((await this.#unary<{ schedule?: Schedule }>(rpc, { scheduleId: id, note })).schedule!);
  }

  async trigger(id: string): Promise<string> {
    return (await this.#unary<{ runId: string }>('TriggerSchedule', { scheduleId: id })).runId;
  }
}

/** A refused schedule lists every field at fault (the error detail's violations), not only the first. */
function withViolations(err: ServiceError, address: string, rpc: string): BatonError {
  const detail = readErrorDetail(err.metadata);
  if (detail && isErrorCode(detail.code) && detail.violations.length > 1)
    return new BatonError(
      detail.code,
      detail.violations.map((v) => `${v.fieldPath}: ${v.message}`).join('; '),
    );
  return callError(err, address, rpc);
}
