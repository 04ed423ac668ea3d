// The edge's table of limits and its byte-level check of requests (request-check.ts), without a server:
// the table covers every string, bytes and repeated field of every request message, docs/api-limits.md
// is generated from it, and the check accepts and refuses exactly at each limit.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS, MAX_JSON_DEPTH } from '../../../src/api/limits.js';
import { limitedFields, renderLimitsDocs } from '../../../src/api/limits-docs.js';
import { checkRequest } from '../../../src/api/request-check.js';
import { descriptors } from '../../../src/api/request-edge.js';
import { WorkRequest } from '../../../src/api/gen/baton/v1/agent.js';
import {
  GetRunHistoryRequest,
  ListRunsRequest,
  ModifyRunRequest,
  PauseRunRequest,
  RunStatus,
  SignalRunRequest,
  StartRunRequest,
} from '../../../src/api/gen/baton/v1/run.js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';

const type = (name: string) => descriptors().getMessage(name)!;

/** A JSON value with `depth` nested containers (objects and lists alternating). */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { k: v } : [v];
  return v;
}
/** The same depth as a Struct (an object at the top). */
const nestedObject = (depth: number) =>
  (depth % 2 === 1 ? nested(depth) : { k: nested(depth - 1) }) as Record<string, unknown>;

describe('the table of limits', () => {
  it('has a limit for every string, bytes and repeated field of every request message, and no other', () => {
    const fields = [...limitedFields().keys()];
    expect(fields.filter((f) => FIELD_LIMITS[f] === undefined)).toEqual([]);
    expect(Object.keys(FIELD_LIMITS).filter((f) => !fields.includes(f))).toEqual([]);
    // The 42 RPCs, the Work stream's messages among them.
    const rpcs = [
      'WorkflowService',
      'RunService',
      'AgentService',
      'PluginService',
      'ScheduleService',
      'HookService',
    ].flatMap((s) => descriptors().getService(`baton.v1.${s}`)!.methods);
    expect(rpcs).toHaveLength(42);
    expect(fields).toContain('baton.v1.Heartbeat.lease_ids');
  });

  it('docs/api-limits.md is generated from it (run `npm run docs:limits` after a change)', () => {
    expect(readFileSync(new URL('../../../docs/api-limits.md', import.meta.url), 'utf8')).toBe(
      renderLimitsDocs(),
    );
  });
});

describe('checkRequest', () => {
  it('accepts a string at its limit and refuses one byte more, naming the field and the limit', () => {
    const at = (reason: string) =>
      checkRequest(type('baton.v1.PauseRunRequest'), PauseRunRequest.encode({ runId: 'r', reason }).finish());
    expect(at('é'.repeat(2048))).toBeUndefined(); // 4096 UTF-8 bytes
    expect(at(`${'é'.repeat(2048)}x`)).toEqual({
      code: 'BATON_E_FIELD_TOO_LARGE',
      fieldPath: 'reason',
      message: 'is longer than 4096 bytes (it has 4097)',
    });
  });

  it('counts the items of repeated fields, packed or not, and names the item at fault', () => {
    const statuses = (n: number) =>
      checkRequest(
        type('baton.v1.ListRunsRequest'),
        ListRunsRequest.encode(
          ListRunsRequest.fromPartial({ statuses: Array<RunStatus>(n).fill(RunStatus.RUN_STATUS_COMPLETED) }),
        ).finish(),
      );
    expect(statuses(16)).toBeUndefined();
    expect(statuses(17)).toMatchObject({ code: 'BATON_E_FIELD_TOO_LARGE', fieldPath: 'statuses' });
    const heartbeat = (ids: string[]) =>
      checkRequest(
        type('baton.v1.WorkRequest'),
        WorkRequest.encode({ heartbeat: { leaseIds: ids } }).finish(),
      );
    expect(heartbeat(['a', 'x'.repeat(257)])).toMatchObject({ fieldPath: 'heartbeat.lease_ids.1' });
    expect(heartbeat(Array<string>(10_001).fill('l'))).toMatchObject({
      code: 'BATON_E_FIELD_TOO_LARGE',
      fieldPath: 'heartbeat.lease_ids',
      message: 'has more than 10000 items',
    });
  });

  it(`accepts JSON nested ${MAX_JSON_DEPTH} levels in every JSON field and refuses one more by name`, () => {
    const cases: Array<[string, (depth: number) => Uint8Array, string]> = [
      [
        'baton.v1.StartRunRequest',
        (d) => StartRunRequest.encode(StartRunRequest.fromPartial({ inputData: nestedObject(d) })).finish(),
        'input_data',
      ],
      [
        'baton.v1.SignalRunRequest',
        (d) =>
          SignalRunRequest.encode(
            SignalRunRequest.fromPartial({ runId: 'r', channel: 'c', data: nested(d) }),
          ).finish(),
        'data',
      ],
      [
        'baton.v1.ModifyRunRequest',
        (d) =>
          ModifyRunRequest.encode(
            ModifyRunRequest.fromPartial({ runId: 'r', modifications: [{ patternConfig: nestedObject(d) }] }),
          ).finish(),
        'modifications.0.pattern_config',
      ],
      [
        'baton.v1.WorkRequest',
        (d) =>
          WorkRequest.encode({ result: { leaseId: 'l', messageId: '', outputs: nestedObject(d) } }).finish(),
        'result.outputs',
      ],
      [
        'baton.v1.WorkRequest',
        (d) =>
          WorkRequest.encode({
            status: {
              leaseId: 'l',
              state: 1,
              message: {
                messageId: 'm',
                role: 2,
                parts: [{ data: nestedObject(d) }],
                contextId: '',
                taskId: '',
                metadata: nestedObject(d),
              },
            },
          }).finish(),
        'status.message.parts.0.data',
      ],
    ];
    for (const [name, encode, field] of cases) {
      expect(checkRequest(type(name), encode(MAX_JSON_DEPTH)), field).toBeUndefined();
      expect(checkRequest(type(name), encode(MAX_JSON_DEPTH + 1)), field).toEqual({
        code: 'BATON_E_JSON_TOO_DEEP',
        fieldPath: field,
        message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
      });
    }
  });

  it('refuses a uint64 above 2^53 - 1, a uint32 sent as a wider varint, and NaN in JSON', () => {
    const history = (seq: string) =>
      checkRequest(
        type('baton.v1.GetRunHistoryRequest'),
        new BinaryWriter().uint32(10).string('r').uint32(32).uint64(seq).finish(),
      );
    expect(history('9007199254740991')).toBeUndefined();
    expect(history('9007199254740993')).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'state_at_seq',
    });
    expect(
      checkRequest(
        type('baton.v1.GetRunHistoryRequest'),
        new BinaryWriter().uint32(24).uint64('4294967296').finish(),
      ),
    ).toMatchObject({
      fieldPath: 'page_size',
      message: expect.stringMatching(/out of range for this uint32/) as string,
    });
    expect(
      checkRequest(
        type('baton.v1.SignalRunRequest'),
        SignalRunRequest.encode(
          SignalRunRequest.fromPartial({ runId: 'r', channel: 'c', data: { x: Number.NaN } }),
        ).finish(),
      ),
    ).toMatchObject({ fieldPath: 'data', message: 'holds NaN, which is not a JSON number' });
    // A value decoded from the same bytes stays the same: the check never rewrites.
    const ok = GetRunHistoryRequest.encode({
      runId: 'r',
      afterCursor: '',
      pageSize: 5,
      stateAtSeq: 2 ** 53 - 1,
    }).finish();
    expect(checkRequest(type('baton.v1.GetRunHistoryRequest'), ok)).toBeUndefined();
  });

  it('refuses Durations and Timestamps outside their range', () => {
    const timeout = (seconds: number) =>
      checkRequest(
        type('baton.v1.StartRunRequest'),
        StartRunRequest.encode(
          StartRunRequest.fromPartial({ executionOptions: { timeout: { seconds, nanos: 0 } } }),
        ).finish(),
      );
    expect(timeout(315_576_000_000)).toBeUndefined();
    expect(timeout(315_576_000_001)).toMatchObject({ fieldPath: 'execution_options.timeout.seconds' });
    const after = (date: Date) =>
      checkRequest(
        type('baton.v1.ListRunsRequest'),
        ListRunsRequest.encode(ListRunsRequest.fromPartial({ startedAfter: date })).finish(),
      );
    expect(after(new Date('9999-12-31T23:59:59Z'))).toBeUndefined();
    expect(after(new Date('+010000-01-01T00:00:00Z'))).toMatchObject({ fieldPath: 'started_after.seconds' });
  });

  it('names what is malformed: wire types, truncation, UTF-8, garbage', () => {
    const runId = type('baton.v1.GetRunRequest');
    expect(checkRequest(runId, new BinaryWriter().uint32(8).uint32(5).finish())).toMatchObject({
      code: 'BATON_E_BAD_REQUEST',
      fieldPath: 'run_id',
      message: expect.stringMatching(/wrong wire type \(varint\)/) as string,
    });
    expect(checkRequest(runId, Uint8Array.from([10, 50, 65]))).toMatchObject({
      code: 'BATON_E_BAD_REQUEST',
      fieldPath: 'run_id',
      message: expect.stringMatching(/truncated/) as string,
    });
    expect(checkRequest(runId, Uint8Array.from([10, 2, 0xc3, 0x28]))).toMatchObject({
      fieldPath: 'run_id',
      message: expect.stringMatching(/not valid UTF-8/) as string,
    });
    expect(checkRequest(runId, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toMatchObject({
      code: 'BATON_E_BAD_REQUEST',
      fieldPath: '',
    });
    // Unknown fields (a newer client) are skipped, as protobuf requires.
    expect(
      checkRequest(
        runId,
        new BinaryWriter()
          .uint32(10)
          .string('r')
          .uint32((99 << 3) | 0)
          .uint32(7)
          .finish(),
      ),
    ).toBeUndefined();
  });
});
