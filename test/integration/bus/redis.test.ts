// Runs the Bus conformance suite against Redis Streams (the shared Redis on 127.0.0.1:6379, each test
// under a key prefix of its own, deleted after), plus what only the Redis adapter promises.

import { busConformance } from '../../conformance/bus-suite.js';
import { openTestBus } from './redis-harness.js';

busConformance('redis', async (retention) => {
  const t = await openTestBus(retention);
  return { bus: t.bus, cleanup: () => t.cleanup() };
});
