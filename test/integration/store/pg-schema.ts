// Isolation for tests against the shared PostgreSQL: each test gets a schema of its own in database
// `test` (created by the store on open), dropped afterwards. BATON_TEST_POSTGRES overrides the server.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_BASE = process.env.BATON_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name and the store URL that puts every table in it. */
export function pgTestSchema(prefix = 't'): { schema: string; url: string } {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  return { schema, url: `${PG_BASE}?schema=${schema}` };
}

/** Runs SQL on a connection of its own (for a test's setup or inspection). */
export async function pgQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_BASE });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
