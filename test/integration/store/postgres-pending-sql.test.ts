// The PostgreSQL statements for schedules and run deletion (src/store/postgres-pending), run on a real
// PostgreSQL 15 in a schema of this test's own, until they are ported into the PostgreSQL adapter and
// its run of the Store conformance suite covers them. Tables stand in for the adapter's with SQLite's names.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RETENTION_SQL,
  SCHEDULE_SQL,
  SCHEDULES_RETENTION_DDL,
} from '../../../src/store/postgres-pending/schedules-retention.sql.js';

const SCHEMA = `baton_sched_${randomBytes(4).toString('hex')}`;
const config = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const BASE_TABLES = `
  CREATE TABLE runs (namespace TEXT NOT NULL, run_id TEXT NOT NULL, status TEXT NOT NULL,
    updated_at BIGINT NOT NULL, PRIMARY KEY (namespace, run_id));
  CREATE TABLE journal (namespace TEXT NOT NULL, run_id TEXT NOT NULL, seq BIGINT NOT NULL,
    PRIMARY KEY (namespace, run_id, seq));
  CREATE TABLE snapshots (namespace TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (namespace, run_id));
  CREATE TABLE inbox (id BIGSERIAL PRIMARY KEY, namespace TEXT NOT NULL, run_id TEXT NOT NULL);
`;

let a: pg.Client;
let b: pg.Client;
let reachable = true;

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ ...config, options: `-c search_path=${SCHEMA}` });
  await c.connect();
  return c;
}

beforeAll(async () => {
  const admin = new pg.Client(config);
  try {
    await admin.connect();
  } catch (e) {
    reachable = false;
    console.warn(`postgres-pending-sql: skipped, PostgreSQL at 127.0.0.1:5432 unreachable: ${String(e)}`);
    return;
  }
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
  await admin.end();
  a = await connect();
  b = await connect();
  await a.query(BASE_TABLES);
  await a.query(SCHEDULES_RETENTION_DDL);
});

afterAll(async () => {
  if (!reachable) return;
  await a.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
  await Promise.all([a.end(), b.end()]);
});

const schedule = (id: string, wake: number | null, paused = false) =>
  [
    'acme',
    id,
    JSON.stringify({ cron: '* * * * *' }),
    paused,
    '',
    wake,
    wake,
    JSON.stringify({ pending: [] }),
    1000,
  ] as const;

describe('PostgreSQL statements for schedules and retention', () => {
  it('creates, refuses a duplicate, lists by id and finds due schedules', async (ctx) => {
    if (!reachable) return ctx.skip();
    expect((await a.query(SCHEDULE_SQL.insert, [...schedule('b', 3000)])).rowCount).toBe(1);
    expect((await a.query(SCHEDULE_SQL.insert, [...schedule('b', 3000)])).rowCount).toBe(0);
    await a.query(SCHEDULE_SQL.insert, [...schedule('a', 2000)]);
    await a.query(SCHEDULE_SQL.insert, [...schedule('p', 1000, true)]);
    await a.query(SCHEDULE_SQL.insert, [...schedule('n', null)]);
    const list = await a.query<{ schedule_id: string }>(SCHEDULE_SQL.list, ['acme', '', 10]);
    expect(list.rows.map((r) => r.schedule_id)).toEqual(['a', 'b', 'n', 'p']);
    const due = await a.query<{ schedule_id: string; revision: string }>(SCHEDULE_SQL.due, [
      'acme',
      5000,
      10,
    ]);
    expect(due.rows.map((r) => r.schedule_id)).toEqual(['a', 'b']);
    expect(due.rows[0]!.revision).toBe('1');
    const one = await a.query<{ spec: unknown }>(SCHEDULE_SQL.get, ['acme', 'a']);
    expect(one.rows[0]!.spec).toEqual({ cron: '* * * * *' });
  });

  it('lets exactly one of two concurrent claims of the same revision win', async (ctx) => {
    if (!reachable) return ctx.skip();
    const claim = (c: pg.Client, by: string) =>
      c.query(SCHEDULE_SQL.update, [
        JSON.stringify({ cron: '* * * * *' }),
        false,
        '',
        4000,
        4000,
        JSON.stringify({ by }),
        2001,
        'acme',
        'a',
        1,
      ]);
    // Both in open transactions, so the second UPDATE waits on the first's row lock and re-checks.
    await a.query('BEGIN');
    await b.query('BEGIN');
    const first = await claim(a, 'a');
    const second = claim(b, 'b');
    await a.query('COMMIT');
    expect((await second).rowCount).toBe(0);
    await b.query('COMMIT');
    expect(first.rowCount).toBe(1);
    const row = await a.query<{ revision: string; state: { by: string } }>(SCHEDULE_SQL.get, ['acme', 'a']);
    expect(row.rows[0]).toMatchObject({ revision: '2', state: { by: 'a' } });
    expect((await a.query(SCHEDULE_SQL.delete, ['acme', 'a'])).rowCount).toBe(1);
  });

  it('deletes an ended run with its rows, refuses another status, and purges in batches', async (ctx) => {
    if (!reachable) return ctx.skip();
    const seed = async (id: string, status: string, at: number) => {
      await a.query('INSERT INTO runs VALUES ($1, $2, $3, $4)', ['acme', id, status, at]);
      await a.query('INSERT INTO journal VALUES ($1, $2, 1), ($1, $2, 2)', ['acme', id]);
      await a.query('INSERT INTO snapshots VALUES ($1, $2)', ['acme', id]);
      await a.query('INSERT INTO inbox (namespace, run_id) VALUES ($1, $2)', ['acme', id]);
    };
    const ended = ['completed', 'failed', 'cancelled'];
    await seed('done', 'completed', 100);
    await seed('live', 'executing', 100);
    for (let i = 0; i < 3; i++) await seed(`old${i}`, 'failed', 200 + i);
    const del = (id: string) => a.query(RETENTION_SQL.deleteRun, ['acme', id, ended]);
    expect((await del('done')).rows[0]).toEqual({ status: 'completed', deleted: 1 });
    expect((await del('live')).rows[0]).toEqual({ status: 'executing', deleted: 0 });
    expect((await del('nope')).rows[0]).toEqual({ status: null, deleted: 0 });
    const left = async (table: string) =>
      (await a.query<{ run_id: string }>(`SELECT DISTINCT run_id FROM ${table} ORDER BY run_id`)).rows.map(
        (r) => r.run_id,
      );
    for (const t of ['runs', 'journal', 'snapshots', 'inbox'])
      expect(await left(t)).toEqual(['live', 'old0', 'old1', 'old2']);
    const purge = () => a.query<{ run_id: string }>(RETENTION_SQL.purgeRuns, ['acme', ended, 1000, 2]);
    expect((await purge()).rows.map((r) => r.run_id).sort()).toEqual(['old0', 'old1']);
    expect((await purge()).rows.map((r) => r.run_id)).toEqual(['old2']);
    for (const t of ['runs', 'journal', 'snapshots', 'inbox']) expect(await left(t)).toEqual(['live']);
  });
});
