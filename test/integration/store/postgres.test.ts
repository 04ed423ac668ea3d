// Runs the Store conformance suite against PostgreSQL (the server of BATON_TEST_POSTGRES, by default
// 127.0.0.1:5432 database `test`), each test in a schema of its own, dropped after it.

import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { parseStoreUrl } from '../../../src/store/store-url.js';
import { storeConformance } from '../../conformance/store-suite.js';
import { dropSchema, pgTestSchema } from './pg-schema.js';

storeConformance('postgres', async () => {
  const { schema, url } = pgTestSchema('conf');
  const location = parseStoreUrl(url);
  if (location.kind !== 'postgres') throw new Error(`not a PostgreSQL URL: ${url}`);
  const open = () => openPostgresStore(location);
  const store = await open();
  return {
    store,
    connect: open,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
