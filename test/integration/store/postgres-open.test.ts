// What the PostgreSQL adapter promises beyond the shared contract: the schema of the URL created if
// missing, migrations applied once even by instances opening at once, a newer schema refused, the
// specification's workflow_hooks table, a change feed that survives a lost connection, and clear errors
// for a server that cannot be reached.

import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { POST_INBOX } from '../../../src/store/postgres/statements.js';
import { parseStoreUrl } from '../../../src/store/store-url.js';
import { StoreSchemaError, type Store, type StoreChange } from '../../../src/store/store.js';
import { dropSchema, PG_BASE, pgQuery, pgTestSchema } from './pg-schema.js';

const schemas: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(schemas.splice(0).map(dropSchema));
});

function fresh(): { schema: string; open: () => Promise<Store> } {
  const { schema, url } = pgTestSchema('open');
  schemas.push(schema);
  const location = parseStoreUrl(url);
  if (location.kind !== 'postgres') throw new Error(url);
  return {
    schema,
    open: async () => {
      const s = await openPostgresStore(location);
      stores.push(s);
      return s;
    },
  };
}

describe('openPostgresStore', () => {
  it('creates the schema of the URL and applies every migration once, even when instances open at once', async () => {
    const { schema, open } = fresh();
    const opened = await Promise.all([open(), open(), open()]);
    const versions = await pgQuery<{ version: number }>(
      `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
    );
    expect(versions.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // Every instance works on the same tables.
    await opened[0].append('acme', 'r1', 1, [{ seq: 1, type: 'T', v: 1, at: 1, data: null }]);
    expect(await opened[2].read('acme', 'r1')).toHaveLength(1);
    await (await open()).close(); // and a later open finds nothing to do
    expect(await pgQuery(`SELECT version FROM ${schema}.schema_migrations`)).toHaveLength(MIGRATIONS.length);
  });

  it('refuses a schema migrated by a newer Baton, naming both versions, and leaves it untouched', async () => {
    const { schema, open } = fresh();
    await (await open()).close();
    const next = MIGRATIONS.length + 1;
    await pgQuery(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, 'from the future')`, [
      next,
    ]);
    const opening = open();
    await expect(opening).rejects.toBeInstanceOf(StoreSchemaError);
    await expect(opening).rejects.toMatchObject({
      code: 'BATON_E_STORE_SCHEMA',
      found: next,
      supported: MIGRATIONS.length,
      message: expect.stringContaining(
        `schema version ${next}, but this Baton knows versions up to ${MIGRATIONS.length}`,
      ) as unknown,
    });
    expect(await pgQuery(`SELECT version FROM ${schema}.schema_migrations`)).toHaveLength(
      MIGRATIONS.length + 1,
    );
  });

  it("creates the specification's workflow_hooks table with its two indexes (Baton's columns beside)", async () => {
    const { schema, open } = fresh();
    await open();
    const columns = await pgQuery<{ column_name: string; data_type: string; column_default: string | null }>(
      `SELECT column_name, data_type, column_default FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'workflow_hooks' ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'hook_id uuid',
      'name character varying',
      'trigger character varying',
      'command text',
      'args jsonb',
      'always_run boolean',
      'timeout_ms integer',
      'enabled boolean',
      'priority integer',
      'created_at timestamp without time zone',
      'updated_at timestamp without time zone',
      'namespace text',
      'kind text',
      'mode text',
      'fail text',
      'matcher jsonb',
    ]);
    const indexes = await pgQuery<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'workflow_hooks' ORDER BY indexname`,
      [schema],
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'idx_hooks_priority',
      'idx_hooks_trigger',
      'workflow_hooks_by_name',
      'workflow_hooks_pkey',
    ]);
    const [hook] = await pgQuery<{ hook_id: string; priority: number; args: unknown }>(
      `INSERT INTO ${schema}.workflow_hooks (name, trigger, command) VALUES ('fmt', 'post_task', 'prettier') RETURNING *`,
    );
    expect(hook).toMatchObject({ priority: 100, args: [], namespace: 'default' });
    // A row written with the spec's columns only reads back through the Store with the spec's defaults.
    const store = await open();
    expect(await store.getHook('default', 'fmt')).toMatchObject({
      trigger: 'post_task',
      command: 'prettier',
      args: [],
      timeoutMs: 30000,
      enabled: true,
      priority: 100,
      kind: null,
    });
    expect(hook!.hook_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps watching after its LISTEN connection is killed', async () => {
    const { schema, open } = fresh();
    const store = await open();
    const other = await open();
    const seen: StoreChange[] = [];
    store.watch((c) => seen.push(c));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const killed = await pgQuery<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN "baton.${schema}"`],
      );
      expect(killed.length).toBeGreaterThanOrEqual(2); // both stores' feeds
      // Appends until one is seen: those committed while the feed reconnects are not replayed.
      let seq = 0;
      await vi.waitFor(
        async () => {
          seq++;
          await other.append('acme', 'r1', seq, [{ seq, type: 'T', v: 1, at: 1, data: null }]);
          await new Promise((r) => setTimeout(r, 50));
          expect(seen).toContainEqual({ kind: 'journal', ns: 'acme', runId: 'r1' });
        },
        { timeout: 15_000, interval: 10 },
      );
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('change feed lost its connection'));
    } finally {
      warn.mockRestore();
    }
  });

  it("tells another instance's watchers of a posted result with the message itself, up to the notification's size", async () => {
    const { open } = fresh();
    const store = await open();
    const other = await open();
    expect(store.sendsResults).toBe(true);
    const seen: StoreChange[] = [];
    store.watch((c) => seen.push(c));
    const payload = { idem: 'r1/t1/1', key: 't1', attempt: 1, output: { ok: true, text: 'é' } };
    const id = await other.postResult('acme', 'r1', { kind: 'result', payload, at: 1234 }, 'r1/t1/1', 1234);
    const message = { id, runId: 'r1', kind: 'result', payload, at: 1234 };
    await vi.waitFor(() => expect(seen).toEqual([{ kind: 'inbox', ns: 'acme', runId: 'r1', message }]));
    // What the notification carried is what the inbox holds.
    expect(await store.readInbox('acme', 'r1')).toEqual([message]);
    // Too large for a notification: the change says only that the inbox grew (the owner reads it).
    const big = { idem: 'r1/t2/1', output: 'x'.repeat(10_000) };
    await other.postResult('acme', 'r1', { kind: 'result', payload: big, at: 1300 }, 'r1/t2/1', 1300);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toEqual({ kind: 'inbox', ns: 'acme', runId: 'r1' });
  });

  it('commits inbox ids in id order: a post waits while a lower id is still uncommitted', async () => {
    const { schema, open } = fresh();
    const store = await open();
    // Another instance's post, caught between taking its id and committing.
    const slow = new pg.Client({ connectionString: PG_BASE, options: `-c search_path=${schema}` });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const { rows } = await slow.query<{ id: string }>(POST_INBOX.text, ['acme', 'r1', 'signal', '{}', 1]);
      const first = Number(rows[0]!.id);
      const posting = store.postToInbox('acme', 'r2', { kind: 'cancel', payload: {}, at: 2 });
      await new Promise((r) => setTimeout(r, 200)); // room for the second post to commit, were it not held
      // A reader polling by cursor now must not see a higher id than one that will still commit.
      expect(await store.readInbox('acme', null)).toEqual([]);
      await slow.query('COMMIT');
      const second = await posting;
      expect(second).toBeGreaterThan(first);
      expect((await store.readInbox('acme', null)).map((m) => m.id)).toEqual([first, second]);
    } finally {
      await slow.end();
    }
  });

  it("passes the URL's own connection options to the server beside Baton's", async () => {
    const { schema, url } = pgTestSchema('opts');
    schemas.push(schema);
    const readOnly = encodeURIComponent('-c default_transaction_read_only=on');
    const location = parseStoreUrl(`${url}&options=${readOnly}`);
    if (location.kind !== 'postgres') throw new Error(url);
    // A read-only session cannot create the schema: the option reached the server.
    await expect(openPostgresStore(location)).rejects.toMatchObject({
      code: 'BATON_E_STORE_UNAVAILABLE',
      message: expect.stringContaining('read-only transaction') as unknown,
    });
  });

  it('fails with a coded, retryable error naming the server (never its password) when it cannot connect', async () => {
    const location = parseStoreUrl('postgres://postgres:s3cret@127.0.0.1:1/test?schema=nowhere');
    if (location.kind !== 'postgres') throw new Error('not postgres');
    const err = (await openPostgresStore(location).catch((e: unknown) => e)) as Error & {
      code: string;
      retryable: boolean;
    };
    expect(err).toMatchObject({ code: 'BATON_E_STORE_UNAVAILABLE', retryable: true });
    expect(err.message).toContain('postgres://postgres:***@127.0.0.1:1/test');
    expect(err.message).not.toContain('s3cret');
  });
});
