// runs.watch survives the server going away mid-run: the server is killed (SIGKILL) while the
// iterator is reading, restarted on the same port and data directory (which takes the orphaned run
// over on start), and the iterator reconnects from its last cursor. What it yielded must be the run's whole
// journal: sequence numbers 1..N, each once, ending with RunCompleted.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createClient, type BatonClient, type RunEvent } from '../../../sdk/src/index.js';
import { ROOT, startServer, type ServerHandle } from './server.js';

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const WORKFLOW = `workflow:
  name: long-chain
  version: "1"
  agents:
    worker: { type: worker, endpoint: { module: "${AGENT}" } }
  tasks:
    - { id: a, agent: worker }
    - { id: b, agent: worker, depends_on: [a] }
    - { id: c, agent: worker, depends_on: [b] }
    - { id: d, agent: worker, depends_on: [c] }
`;

let dir: string | undefined;
let servers: ServerHandle[] = [];
let client: BatonClient | undefined;

afterEach(async () => {
  client?.close();
  for (const s of servers) await s.stop('SIGKILL');
  servers = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('resumes a watch from its cursor after the server is killed and restarted: no gap, no duplicate', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-resume-'));
  const dataDir = join(dir, 'data');
  // Each agent call takes 300 ms, so the run is still going when the server dies.
  const env = { ...process.env, BATON_SIDE_EFFECTS: join(dir, 'effects.log'), BATON_AGENT_DELAY_MS: '300' };
  const first = await startServer({ dataDir, env });
  servers.push(first);
  client = createClient({ address: first.address, retry: { maxAttempts: 30, maxBackoffMs: 500 } });

  const run = await client.runs.start({ workflowSource: WORKFLOW, requestId: 'resume-test-1' });
  const seen: RunEvent[] = [];
  let restarted: Promise<void> | undefined;
  for await (const event of client.runs.watch(run.runId)) {
    seen.push(event);
    if (event.type === 'TaskCompleted' && !restarted) {
      // Mid-watch: kill the server and bring up a new one on the same port and data directory: on
      // start it takes over the runs the dead one left (their lease's owner process is gone).
      await first.stop('SIGKILL');
      restarted = (async () => {
        servers.push(await startServer({ dataDir, env, listen: first.address }));
      })();
    }
  }
  await restarted;
  expect(restarted, 'the server was restarted mid-watch').toBeDefined();

  const seqs = seen.map((e) => Number(e.seq));
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  expect(seen.at(-1)!.type).toBe('RunCompleted');
  // The iterator saw every entry the journal holds, in order.
  const history = await client.runs.history({ runId: run.runId, pageSize: 1000 });
  expect(history.events.map((e) => e.cursor)).toEqual(seen.map((e) => e.cursor));
  expect(seen.filter((e) => e.type === 'TaskCompleted').map((e) => e.taskId)).toEqual(['a', 'b', 'c', 'd']);
}, 90_000);
