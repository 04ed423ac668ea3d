// `baton schedule add|list|show|rm|pause|resume|trigger`: a namespace's schedules, in the data directory
// (where the next `baton serve` on it fires them) or on a server with --server / BATON_SERVER. A refused
// schedule names each flag at fault. `trigger` starts a run, so it needs a server.

import type { Command } from 'commander';
import type { ScheduleField } from '../../core/schedules/index.js';
import { BatonError } from '../../errors/registry.js';
import {
  ScheduleInvalidError,
  Schedules,
  summarizeSchedule,
  type ScheduleSummary,
} from '../../runtime/schedules.js';
import type { RemoteSchedules } from '../../api/schedule-client.js';
import { parseDuration } from '../../spec/quantity.js';
import { readInputFile, type Output } from '../io.js';
import { serverAddress } from '../remote.js';
import { parseInputOption } from './run.js';
import { withApp } from './status.js';

type Opt = readonly [string, string, string?];

interface Where {
  dataDir: string;
  server?: string;
  json?: boolean;
}

interface AddOptions extends Where {
  workflow?: string;
  file?: string;
  cron?: string;
  every?: string;
  timezone?: string;
  overlap?: string;
  catchupWindow?: string;
  input?: string;
  paused?: boolean;
  note?: string;
}

/** The flag each problem is about (the server names request fields; the CLI says which flag to fix). */
const FLAG: Record<ScheduleField, string> = {
  schedule_id: 'ID',
  cron: '--cron',
  interval: '--every',
  timezone: '--timezone',
  overlap: '--overlap',
  catchup_window: '--catchup-window',
  workflow: '--workflow',
  input: '--input',
};
const FIELD_PATH_FLAG: Record<string, string> = {
  schedule_id: 'ID',
  'spec.cron': '--cron',
  'spec.interval': '--every',
  'spec.timezone': '--timezone',
  'spec.overlap': '--overlap',
  'spec.catchup_window': '--catchup-window',
  'action.workflow_id': '--workflow',
  'action.input_data': '--input',
};

export function registerScheduleCommands(
  program: Command,
  shared: { dataDir: Opt; server: Opt },
  o: Output,
  setExit: (code: number) => void,
): void {
  const schedule = program
    .command('schedule')
    .description(
      'start a workflow on a cron expression or interval (fired by `baton serve`; docs/schedules.md)',
    );
  const where = (c: Command) =>
    c
      .option(shared.dataDir[0], shared.dataDir[1], shared.dataDir[2])
      .option(shared.server[0], shared.server[1]);

  where(
    schedule
      .command('add')
      .description('create a schedule: which workflow, with what input, when, and what to do on overlap')
      .argument('<id>', 'schedule id: letters, digits, ".", "_" or "-"')
      .option(
        '--workflow <name[@version]>',
        'a registered workflow (its latest version at each fire, or pinned)',
      )
      .option('--file <workflow.yaml>', 'or a workflow file, whose source the schedule keeps')
      .option('--cron <expr>', 'cron expression: 5 fields, 6 with seconds first, or @hourly/@daily/...')
      .option(
        '--every <duration>',
        'or a fixed interval in whole seconds, e.g. 30s, 15m, 1h (from the Unix epoch)',
      )
      .option('--timezone <tz>', 'IANA timezone of the cron expression [UTC]')
      .option('--overlap <policy>', 'while the previous run goes on: skip, buffer_one or allow_all [skip]')
      .option(
        '--catchup-window <duration>',
        'fires missed while no server ran are started if this recent [1h]',
      )
      .option('--input <json>', 'run input as JSON, or @file.json')
      .option('--paused', 'create it paused')
      .option('--note <text>', 'a note kept with it')
      .option('--json', 'print the schedule as JSON'),
  ).action(async (id: string, opts: AddOptions) => setExit(await addCommand(id, opts, o)));

  where(schedule.command('list').description('list schedules by id').option('--json', 'print JSON')).action(
    async (opts: Where) => setExit(await listCommand(opts, o)),
  );

  where(
    schedule
      .command('show')
      .description("a schedule's settings, counts and most recent runs")
      .argument('<id>', 'schedule id')
      .option('--json', 'print JSON'),
  ).action(async (id: string, opts: Where) => setExit(await showCommand(id, opts, o)));

  where(
    schedule
      .command('rm')
      .description('delete schedules (the runs they started are kept)')
      .argument('<ids...>', 'schedule ids'),
  ).action(async (ids: string[], opts: Where) => setExit(await rmCommand(ids, opts, o)));

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    where(
      schedule
        .command(name)
        .description(
          paused
            ? 'stop a schedule firing (a fire waiting for the previous run to end is dropped)'
            : 'fire again from the next fire time after now (fires while paused are not made up)',
        )
        .argument('<id>', 'schedule id')
        .option('--note <text>', paused ? 'why (kept with the schedule)' : 'replaces the note')
        .option('--json', 'print the schedule as JSON'),
    ).action(async (id: string, opts: Where & { note?: string }) =>
      setExit(await pauseCommand(id, paused, opts, o)),
    );
  }

  schedule
    .command('trigger')
    .description('start a run of a schedule now, whatever its overlap policy (on a server)')
    .argument('<id>', 'schedule id')
    .option(shared.server[0], shared.server[1])
    .action(async (id: string, opts: { server?: string }) => setExit(await triggerCommand(id, opts, o)));
}

/** Runs `local` against the data directory, or `remote` against the server the options name. */
async function on<T>(
  opts: Where,
  local: (s: Schedules) => Promise<T>,
  remote: (r: RemoteSchedules) => Promise<T>,
): Promise<T> {
  const address = serverAddress(opts);
  if (address) {
    const { RemoteSchedules } = await import('../../api/schedule-client.js');
    const client = new RemoteSchedules(address);
    try {
      return await remote(client);
    } catch (e) {
      throw e instanceof BatonError && e.code === 'BATON_E_SCHEDULE_INVALID' ? withFlags(e) : e;
    } finally {
      client.close();
    }
  }
  return withApp(opts, async (app) => {
    try {
      return await local(new Schedules({ store: app.store, namespace: app.engine.namespace }));
    } catch (e) {
      if (!(e instanceof ScheduleInvalidError)) throw e;
      const text = e.problems.map((p) => `${FLAG[p.field]}: ${p.message}`).join('; ');
      throw new BatonError('BATON_E_SCHEDULE_INVALID', text);
    }
  });
}

/** The server's field paths, said as the flags that set them. */
function withFlags(e: BatonError): BatonError {
  const text = e.message.replace(/(^|; )([a-z_.]+): /g, (m, sep: string, path: string) =>
    FIELD_PATH_FLAG[path] ? `${sep}${FIELD_PATH_FLAG[path]}: ` : m,
  );
  return new BatonError(e.code, text);
}

function durationOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const r = parseDuration(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!r.ok) throw new BatonError('BATON_E_USAGE', `${flag} ${value}: ${r.reason}`);
  return r.value;
}

async function addCommand(id: string, opts: AddOptions, o: Output): Promise<number> {
  if (opts.workflow === undefined && opts.file === undefined)
    throw new BatonError(
      'BATON_E_USAGE',
      'give the workflow to run: --workflow NAME[@VERSION] or --file FILE',
    );
  const source =
    opts.file === undefined ? undefined : Buffer.from(await readInputFile(opts.file)).toString('utf8');
  const input = await parseInputOption(opts.input);
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input)))
    throw new BatonError('BATON_E_USAGE', '--input must be a JSON object');
  const everyMs = durationOption('--every', opts.every);
  const catchupWindowMs = durationOption('--catchup-window', opts.catchupWindow);
  const spec = {
    ...(opts.cron !== undefined && { cron: opts.cron }),
    ...(everyMs !== undefined && { everyMs }),
    ...(opts.timezone !== undefined && { timezone: opts.timezone }),
    ...(opts.overlap !== undefined && { overlap: opts.overlap }),
    ...(catchupWindowMs !== undefined && { catchupWindowMs }),
    ...(opts.workflow !== undefined && { workflow: opts.workflow }),
    ...(source !== undefined && { source }),
    ...(input !== undefined && { input: input as Record<string, unknown> }),
  };
  const extra = { paused: opts.paused ?? false, note: opts.note ?? '' };
  const created = await on(
    opts,
    async (s) => summarizeSchedule(await s.create(id, spec, extra)),
    (r) => r.create({ id, ...spec, ...extra }),
  );
  if (opts.json) o.out(JSON.stringify(created, null, 2));
  else {
    const next = created.paused ? 'paused' : `next fire ${created.nextFire ?? 'never'}`;
    o.out(`schedule ${created.id} created: ${when(created)}, ${next}`);
    if (!serverAddress(opts)) o.err(`baton: it fires while \`baton serve --data-dir ${opts.dataDir}\` runs`);
  }
  return 0;
}

async function listCommand(opts: Where, o: Output): Promise<number> {
  const all = await on(
    opts,
    async (s) => {
      const out: ScheduleSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await s.list({ limit: 1000, ...(cursor && { cursor }) });
        out.push(...page.schedules.map(summarizeSchedule));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return out;
    },
    (r) => r.list(),
  );
  if (opts.json) o.out(JSON.stringify(all, null, 2));
  else if (all.length === 0) o.out('no schedules');
  else for (const s of all) o.out(line(s));
  return 0;
}

async function showCommand(id: string, opts: Where, o: Output): Promise<number> {
  const s = await on(
    opts,
    async (b) => summarizeSchedule(await b.get(id)),
    (r) => r.get(id),
  );
  if (opts.json) {
    o.out(JSON.stringify(s, null, 2));
    return 0;
  }
  o.out(line(s));
  o.out(`  runs ${s.workflow || '(its workflow source)'} with input ${JSON.stringify(s.input)}`);
  o.out(`  catch-up window ${s.catchupWindowSeconds}s${s.note ? `; note: ${s.note}` : ''}`);
  if (s.bufferedFire) o.out(`  buffered fire ${s.bufferedFire} waits for the previous run to end`);
  if (s.lastError)
    o.out(`  last failed start ${s.lastError.at}: ${s.lastError.code}  ${s.lastError.message}`);
  for (const r of s.recentRuns) o.out(`  ${r.runId}  fire ${r.fireTime}${r.manual ? ' (triggered)' : ''}`);
  return 0;
}

async function rmCommand(ids: string[], opts: Where, o: Output): Promise<number> {
  let failed = 0;
  for (const id of ids) {
    try {
      await on(
        opts,
        (s) => s.delete(id),
        (r) => r.delete(id),
      );
      o.out(`deleted schedule ${id}`);
    } catch (e) {
      if (!(e instanceof BatonError)) throw e;
      failed += 1;
      o.err(`baton: ${e.code}  ${e.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function pauseCommand(
  id: string,
  paused: boolean,
  opts: Where & { note?: string },
  o: Output,
): Promise<number> {
  const note = opts.note ?? '';
  const s = await on(
    opts,
    async (b) => summarizeSchedule(await (paused ? b.pause(id, note) : b.unpause(id, note))),
    (r) => r.pause(id, note, paused),
  );
  if (opts.json) o.out(JSON.stringify(s, null, 2));
  else o.out(paused ? `paused schedule ${id}` : `resumed schedule ${id}: next fire ${s.nextFire ?? 'never'}`);
  return 0;
}

async function triggerCommand(id: string, opts: { server?: string }, o: Output): Promise<number> {
  const address = serverAddress(opts);
  if (!address)
    throw new BatonError(
      'BATON_E_USAGE',
      'baton schedule trigger starts a run on a server: give --server HOST:PORT (or set BATON_SERVER)',
    );
  const runId = await on(
    { dataDir: '', server: address },
    () => Promise.reject(new Error('unreachable')),
    (r) => r.trigger(id),
  );
  o.out(runId);
  return 0;
}

function when(s: ScheduleSummary): string {
  return s.cron !== undefined ? `cron "${s.cron}" ${s.timezone ?? 'UTC'}` : `every ${s.everySeconds}s`;
}

function line(s: ScheduleSummary): string {
  const state = s.paused ? 'paused' : 'active';
  const workflow = s.workflow || '(source)';
  const c = s.counts;
  const counts = `started ${c.started}, skipped ${c.skipped}, missed ${c.missed}, failed ${c.failed}`;
  return `${s.id}  ${state}  ${when(s)}  ${workflow}  ${s.overlap}  next ${s.nextFire ?? 'never'}  (${counts})`;
}
