// The store URL as users give it (--store, BATON_STORE, the config file's `store`): which adapter it
// names, Baton's own parameters, and errors that say what is wrong, where it came from, and never the password.

import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../../src/config/serve-config.js';
import { storeUrl } from '../../../src/cli/store-option.js';
import { DEFAULT_POOL_SIZE, parseStoreUrl } from '../../../src/store/store-url.js';

describe('parseStoreUrl', () => {
  it('names the SQLite store of a directory', () => {
    expect(parseStoreUrl('sqlite:.baton')).toEqual({ kind: 'sqlite', dataDir: '.baton' });
    expect(parseStoreUrl('sqlite:///var/lib/baton')).toEqual({ kind: 'sqlite', dataDir: '/var/lib/baton' });
  });

  it('names a PostgreSQL database, taking schema and pool out of what pg is given', () => {
    expect(
      parseStoreUrl('postgres://baton:pw@db.internal:5433/prod?schema=tenant_a&pool=20&sslmode=require'),
    ).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://baton:pw@db.internal:5433/prod?sslmode=require',
      schema: 'tenant_a',
      poolSize: 20,
      display: 'postgres://baton:***@db.internal:5433/prod?schema=tenant_a&pool=20&sslmode=require',
    });
    expect(parseStoreUrl('postgresql://postgres@127.0.0.1/test')).toMatchObject({
      kind: 'postgres',
      poolSize: DEFAULT_POOL_SIZE,
    });
    expect(parseStoreUrl('postgresql://postgres@127.0.0.1/test')).not.toHaveProperty('schema');
  });

  it.each([
    ['mysql://u@h/db', 'is not a store URL: expected sqlite:DIR or postgres://'],
    ['sqlite:', 'names no directory'],
    ['postgres://u:secret@h:5432', 'names no database'],
    ['postgres://u:secret@h/db?schema=Bad-Name', 'schema "Bad-Name"'],
    ['postgres://u:secret@h/db?pool=0', 'pool "0"'],
  ])('refuses %s with a coded error saying why', (url, why) => {
    let err: unknown;
    try {
      parseStoreUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'BATON_E_STORE_INVALID',
      message: expect.stringContaining(why) as unknown,
    });
    expect((err as Error).message).not.toContain('secret');
  });
});

describe('the store setting', () => {
  it('baton serve: flag over BATON_STORE over the file; a bad value names the key and its origin', async () => {
    const env = { BATON_STORE: 'postgres://postgres@127.0.0.1:5432/test' };
    expect((await loadServeConfig({ flags: {}, env })).store).toBe(env.BATON_STORE);
    expect((await loadServeConfig({ flags: { store: 'sqlite:/tmp/x' }, env })).store).toBe('sqlite:/tmp/x');
    expect((await loadServeConfig({ flags: {}, env: {} })).store).toBeUndefined();
    await expect(loadServeConfig({ flags: {}, env: { BATON_STORE: 'redis://x' } })).rejects.toMatchObject({
      code: 'BATON_E_CONFIG_INVALID',
      message: expect.stringMatching(
        /^store \(from environment variable BATON_STORE\): store URL "redis:\/\/x" is not/,
      ) as unknown,
    });
    await expect(loadServeConfig({ flags: { store: 'postgres://u:pw@h' }, env: {} })).rejects.toThrow(
      /^store \(from flag --store\): store URL "postgres:\/\/u:\*\*\*@h" names no database/,
    );
  });

  it('the local run commands: --store over BATON_STORE; none means the data directory', () => {
    expect(storeUrl({}, {})).toBeUndefined();
    expect(storeUrl({}, { BATON_STORE: 'sqlite:d' })).toBe('sqlite:d');
    expect(storeUrl({ store: 'sqlite:e' }, { BATON_STORE: 'sqlite:d' })).toBe('sqlite:e');
    expect(() => storeUrl({}, { BATON_STORE: 'nope' })).toThrow(
      /^store \(from environment variable BATON_STORE\)/,
    );
    expect(() => storeUrl({ store: 'nope' }, {})).toThrow(/^store \(from flag --store\)/);
  });
});
