// The gRPC contract's pipeline: the protos lint clean, the committed stubs and descriptor set are
// exactly what `npm run generate` produces, and the descriptor set carries every service.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'node_modules/.bin');
const GEN = join(ROOT, 'src/api/gen');
// buf finds the local ts-proto plugin on PATH, as it does under `npm run`.
const env = { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}` };

const buf = (...args: string[]) => run(join(BIN, 'buf'), args, { cwd: ROOT, env });

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('the gRPC contract', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'baton-contract-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('passes buf lint with the STANDARD rules', async () => {
    await expect(buf('lint')).resolves.toMatchObject({ stdout: '' });
  });

  it('regenerates exactly the committed TypeScript stubs and descriptor set', async () => {
    // `-o` prefixes the template's `out`, so the fresh stubs land in OUT/src/api/gen.
    await buf('generate', '-o', out);
    await buf('build', '-o', join(out, 'src/api/gen/baton.binpb'));
    const fresh = join(out, 'src/api/gen');
    const names = await filesUnder(GEN);
    expect(await filesUnder(fresh)).toEqual(names);
    for (const name of names) {
      const [want, got] = await Promise.all([readFile(join(GEN, name)), readFile(join(fresh, name))]);
      expect(got.equals(want), `${name} differs from a fresh \`npm run generate\``).toBe(true);
    }
  });

  it('lists the six services and their methods in the descriptor set', async () => {
    const set = fromBinary(FileDescriptorSetSchema, await readFile(join(GEN, 'baton.binpb')));
    const services = Object.fromEntries(
      set.file
        .filter((f) => f.package === 'baton.v1')
        .flatMap((f) => f.service.map((s) => [s.name, s.method.map((m) => m.name)])),
    );
    expect(services).toEqual({
      WorkflowService: [
        'ValidateWorkflow',
        'PlanWorkflow',
        'RegisterWorkflow',
        'GetWorkflow',
        'ListWorkflows',
        'DeleteWorkflow',
      ],
      RunService: [
        'StartRun',
        'GetRun',
        'ListRuns',
        'WatchRun',
        'PauseRun',
        'ResumeRun',
        'CancelRun',
        'SignalRun',
        'ModifyRun',
        'GetRunHistory',
        'DeleteRun',
        'ProvideInput',
      ],
      AgentService: ['RegisterAgent', 'ListAgents', 'DeregisterAgent', 'ListWorkers', 'Work'],
      PluginService: ['UploadPlugin', 'ListPlugins', 'GetPlugin', 'ListPluginVersions', 'DeletePlugin'],
      ScheduleService: [
        'CreateSchedule',
        'GetSchedule',
        'ListSchedules',
        'DeleteSchedule',
        'PauseSchedule',
        'UnpauseSchedule',
        'TriggerSchedule',
      ],
      HookService: [
        'CreateHook',
        'ListHooks',
        'GetHook',
        'UpdateHook',
        'DeleteHook',
        'TestHook',
        'ListHookExecutions',
      ],
    });
    // Reflection resolves imports from the set itself, so the well-known types must be inside it.
    expect(set.file.map((f) => f.name)).toContain('google/protobuf/struct.proto');
  });
});
