// PostgreSQL helpers of the engine benchmark: a fresh schema per sample (so every sample starts from
// empty tables), and the server's floor for a durable chain: N sequential single-row autocommit INSERTs
// on one connection, each waiting for its commit, as a named prepared statement.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The URL with `schema` set to a fresh name (the store creates it on open). */
export function withSchema(url: string): { url: string; schema: string } {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  return { url: `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`, schema };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function dropBenchSchema(url: string, schema: string): Promise<void> {
  return withClient(url, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

/** ms for `n` sequential autocommit INSERTs of one row (a journal-sized row: key, seq, JSON text). */
export function insertFloorMs(url: string, n: number): Promise<number> {
  const { schema } = withSchema(url);
  return withClient(url, async (c) => {
    await c.query(`CREATE SCHEMA ${schema}`);
    try {
      await c.query(
        `CREATE TABLE ${schema}.floor (run_id text, seq bigint, data text, PRIMARY KEY (run_id, seq))`,
      );
      const insert = { name: `floor_${schema}`, text: `INSERT INTO ${schema}.floor VALUES ($1, $2, $3)` };
      const start = performance.now();
      for (let i = 1; i <= n; i++)
        await c.query({ ...insert, values: ['run-1', i, '{"task":"t","output":null}'] });
      return performance.now() - start;
    } finally {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });
}

/** Each of `n` sequential durable single-row INSERTs timed alone, in ms (the commits a task's path waits for). */
export function commitLatencies(url: string, n: number): Promise<number[]> {
  const { schema } = withSchema(url);
  return withClient(url, async (c) => {
    await c.query(`CREATE SCHEMA ${schema}`);
    try {
      await c.query(
        `CREATE TABLE ${schema}.floor (run_id text, seq bigint, data text, PRIMARY KEY (run_id, seq))`,
      );
      const insert = { name: `commit_${schema}`, text: `INSERT INTO ${schema}.floor VALUES ($1, $2, $3)` };
      const ms: number[] = [];
      for (let i = 1; i <= n; i++) {
        const start = performance.now();
        await c.query({ ...insert, values: ['run-1', i, '{"task":"t","output":null}'] });
        ms.push(performance.now() - start);
      }
      return ms;
    } finally {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });
}
