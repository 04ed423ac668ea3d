// The SDK's committed stubs (sdk/src/gen) are exactly what its `npm run generate` produces from
// proto/, so a proto change cannot ship with a stale client; and its client covers every RPC.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentServiceService } from '../../../sdk/src/gen/baton/v1/agent.js';
import { RunServiceService } from '../../../sdk/src/gen/baton/v1/run.js';
import { ScheduleServiceService } from '../../../sdk/src/gen/baton/v1/schedule.js';
import { WorkflowServiceService } from '../../../sdk/src/gen/baton/v1/workflow.js';
import { ROOT } from './server.js';

const run = promisify(execFile);
const SDK = join(ROOT, 'sdk');
const GEN = join(SDK, 'src/gen');
const BIN = join(ROOT, 'node_modules/.bin');
const env = { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}` };

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'baton-sdk-gen-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

it('regenerates exactly the committed sdk/src/gen', async () => {
  // `-o` prefixes the template's `out`: the fresh stubs land in OUT/src/gen.
  await run(join(BIN, 'buf'), ['generate', '--template', 'buf.gen.yaml', '-o', out], { cwd: SDK, env });
  const fresh = join(out, 'src/gen');
  const names = await filesUnder(GEN);
  expect(await filesUnder(fresh)).toEqual(names);
  for (const name of names) {
    const [want, got] = await Promise.all([readFile(join(GEN, name)), readFile(join(fresh, name))]);
    expect(got.equals(want), `${name} differs from a fresh \`npm run generate\` in sdk/`).toBe(true);
  }
}, 60_000);

it('the client has a method for every RPC of the contract', async () => {
  const { createClient } = await import('../../../sdk/src/index.js');
  const client = createClient({ address: '127.0.0.1:1' });
  try {
    const rpcs = (service: object) => Object.keys(service).length;
    expect(Object.keys(client.workflows)).toHaveLength(rpcs(WorkflowServiceService));
    expect(Object.keys(client.runs)).toHaveLength(rpcs(RunServiceService));
    expect(Object.keys(client.agents)).toHaveLength(rpcs(AgentServiceService));
    expect(Object.keys(client.schedules)).toHaveLength(rpcs(ScheduleServiceService));
  } finally {
    client.close();
  }
});
