// The `baton` command line: parses arguments with commander and routes to one module per command.
// Exit codes: 0 success, 1 the input is invalid (or the operation failed), 2 usage error (including a
// `baton serve` setting or listen address that cannot be used).

import { Command, CommanderError } from 'commander';
import { BatonError } from '../errors/registry.js';
import { processOutput, type Output } from './io.js';
import { validateCommand } from './commands/validate.js';
import { planCommand } from './commands/plan.js';
import { schemaCommand } from './commands/schema.js';
import { resumeCommand, runCommand } from './commands/run.js';
import { eventsCommand, runsCommand, statusCommand } from './commands/status.js';
import { cancelCommand, pauseCommand, remoteResumeCommand, signalCommand } from './commands/steer.js';
import { watchCommand } from './commands/watch.js';
import { modifyCommand } from './commands/modify.js';
import { registerRunsRm } from './commands/runs-rm.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerHookCommands } from './commands/hook.js';
import { SERVER_ENV, serverAddress } from './remote.js';
import { STORE_ENV } from './store-option.js';
import { A2A_CREDENTIALS_ENV, DEFAULT_DATA_DIR } from '../app.js';
import { VERSION } from './version.js';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** Errors in how the command was set up (its arguments, settings or address): exit 2, not 1. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'BATON_E_USAGE',
  'BATON_E_CONFIG_INVALID',
  'BATON_E_ADDRESS_IN_USE',
  'BATON_E_LISTEN_FAILED',
]);

export function buildProgram(o: Output, setExit: (code: number) => void): Command {
  const program = new Command('baton')
    .description('Baton: a control plane for multi-agent workflows')
    .version(VERSION)
    .showHelpAfterError('(run "baton --help" for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => o.out(s.trimEnd()), writeErr: (s) => o.err(s.trimEnd()) });

  program
    .command('validate')
    .description('check workflow files; report every problem as FILE:LINE:COL  CODE  message')
    .argument('<files...>', 'workflow YAML files')
    .option('--json', 'print machine-readable JSON')
    .option('--registry <file>', 'agent registry (YAML/JSON: agent types and their capabilities)')
    .option('--constraints <file>', 'resource constraints (YAML/JSON) to check the plan against')
    .option('--resolve-agents', "fetch remote A2A agents' cards and check each task's requires against them")
    .action(
      async (
        files: string[],
        opts: { json?: boolean; registry?: string; constraints?: string; resolveAgents?: boolean },
      ) => {
        setExit(await validateCommand(files, opts, o));
      },
    );

  program
    .command('plan')
    .description('validate a workflow and print its execution plan: levels, critical path, allocation')
    .argument('<file>', 'workflow YAML file')
    .option('--json', 'print the plan as JSON')
    .option('--registry <file>', 'agent registry (YAML/JSON: agent types and their capabilities)')
    .option('--constraints <file>', "resource constraints (YAML/JSON), overriding the workflow's own")
    .action(async (file: string, opts: { json?: boolean; registry?: string; constraints?: string }) => {
      setExit(await planCommand(file, opts, o));
    });

  program
    .command('schema')
    .description('print the JSON Schema of workflow files (for editors and CI)')
    .action(() => {
      setExit(schemaCommand(o));
    });

  const dataDir = ['--data-dir <dir>', 'where runs are stored (SQLite)', DEFAULT_DATA_DIR] as const;
  const store = [
    '--store <url>',
    `where runs are stored instead of the data directory: postgres://USER@HOST:PORT/DB[?schema=NAME] or sqlite:DIR (or set ${STORE_ENV})`,
  ] as const;
  const a2aCredentials = [
    '--a2a-credentials <file>',
    `secrets of remote A2A agents: YAML/JSON mapping credential names to secrets (or ${A2A_CREDENTIALS_ENV})`,
  ] as const;
  const server = [
    '--server <host:port>',
    `talk to this Baton server instead of the data directory (or set ${SERVER_ENV})`,
  ] as const;

  program
    .command('run')
    .description(
      'run a workflow to its end, with live progress, and print its report (here, or on a server with --server)',
    )
    .argument('<file>', 'workflow YAML file')
    .option('--input <json>', 'run input as JSON, or @file.json')
    .option('--json', 'print the final status as JSON')
    .option('--constraints <file>', "resource constraints (YAML/JSON), overriding the workflow's own")
    .option('--registry <file>', 'agent registry to validate agent types against')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .option(...a2aCredentials)
    .action(
      async (
        file: string,
        opts: {
          input?: string;
          json?: boolean;
          dataDir: string;
          store?: string;
          constraints?: string;
          registry?: string;
          server?: string;
          a2aCredentials?: string;
        },
      ) => {
        const address = serverAddress(opts);
        setExit(
          address
            ? await (await import('./commands/run-remote.js')).remoteRunCommand(file, opts, address, o)
            : await runCommand(file, opts, o),
        );
      },
    );

  program
    .command('resume')
    .description(
      'take over a run whose process stopped (or un-pause one) and drive it to its end; with a server, un-pause it there',
    )
    .argument('<run>', 'run id')
    .option('--json', 'print the final status as JSON')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .option(...a2aCredentials)
    .action(
      async (
        run: string,
        opts: { json?: boolean; dataDir: string; store?: string; server?: string; a2aCredentials?: string },
      ) => {
        const address = serverAddress(opts);
        setExit(address ? await remoteResumeCommand(run, address, o) : await resumeCommand(run, opts, o));
      },
    );

  program
    .command('pause')
    .description('pause a run: attempts in flight finish, nothing new is dispatched until it is resumed')
    .argument('<run>', 'run id')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(async (run: string, opts: { dataDir: string; store?: string; server?: string }) => {
      setExit(await pauseCommand(run, opts, o));
    });

  program
    .command('watch')
    .description("follow a run's journal live until the run ends")
    .argument('<run>', 'run id')
    .option('--after <seq>', 'start after this entry (the last one a previous watch printed)')
    .option('--json', 'one JSON entry per line')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (
        run: string,
        opts: { json?: boolean; dataDir: string; store?: string; server?: string; after?: string },
      ) => {
        setExit(await watchCommand(run, opts, o));
      },
    );

  program
    .command('modify')
    .description(
      'change a running run (add, remove or replace tasks, swap an agent, pattern parameters) on a server',
    )
    .argument('<run>', 'run id')
    .argument('<file>', 'modifications (YAML/JSON): reason and a list of add_task, remove_task, ...')
    .option('--json', 'print the result as JSON')
    .option(...server)
    .action(async (run: string, file: string, opts: { json?: boolean; server?: string }) => {
      setExit(await modifyCommand(run, file, opts, o));
    });

  program
    .command('status')
    .description(
      "a run's status: what it is doing and waiting for (--json: the status response, docs/specification-notes.md)",
    )
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (run: string, opts: { json?: boolean; dataDir: string; store?: string; server?: string }) => {
        setExit(await statusCommand(run, opts, o));
      },
    );

  program
    .command('runs')
    .description('list runs, newest first')
    .option('--status <status>', 'only runs in this status')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'print JSON')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (opts: {
        json?: boolean;
        dataDir: string;
        store?: string;
        status?: string;
        limit?: string;
        server?: string;
      }) => {
        setExit(await runsCommand(opts, o));
      },
    );

  program
    .command('events')
    .description("a run's journal as a timeline: every fact, in order")
    .argument('<run>', 'run id')
    .option('--json', 'one JSON entry per line')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (run: string, opts: { json?: boolean; dataDir: string; store?: string; server?: string }) => {
        setExit(await eventsCommand(run, opts, o));
      },
    );

  program
    .command('cancel')
    .description('cancel a run: in-flight tasks are cancelled, completed ones compensated')
    .argument('<run>', 'run id')
    .option('--reason <text>', 'recorded in the journal')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (run: string, opts: { reason?: string; dataDir: string; store?: string; server?: string }) => {
        setExit(await cancelCommand(run, opts, o));
      },
    );

  program
    .command('signal')
    .description('send an event into a run (tasks waiting `on` / `wait_for` it proceed)')
    .argument('<run>', 'run id')
    .argument('<event>', 'CHANNEL or CHANNEL:EVENT')
    .argument('[json]', 'event data as JSON')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (
        run: string,
        event: string,
        json: string | undefined,
        opts: { dataDir: string; store?: string; server?: string },
      ) => {
        setExit(await signalCommand(run, event, json, opts, o));
      },
    );

  program
    .command('input')
    .description('answer a task whose agent waits for input (`baton status` lists them)')
    .argument('<run>', 'run id')
    .argument('<task>', 'the waiting task as status names it, e.g. research or research[2]')
    .argument('[json]', 'the answer as JSON, or @file.json (standard input when absent)')
    .option('--text', 'take the answer as plain text, not JSON')
    .option('--request-id <id>', 'makes the answer idempotent: a retry with the same id is taken once')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (
        run: string,
        task: string,
        json: string | undefined,
        opts: { dataDir: string; store?: string; server?: string; text?: boolean; requestId?: string },
      ) => {
        const { inputCommand } = await import('./commands/input.js');
        setExit(await inputCommand(run, task, json, opts, o));
      },
    );

  registerRunsRm(program, { dataDir, server }, o, setExit);
  registerScheduleCommands(program, { dataDir, server }, o, setExit);
  registerHookCommands(program, { dataDir, server, store }, o, setExit);

  const plugin = program
    .command('plugin')
    .description('build, test, register and list WASM pattern plugins (docs/plugins.md)');
  plugin
    .command('build')
    .description(
      'build a plugin folder (manifest.json + assembly/index.ts) into plugin.wasm + a manifest with its sha256',
    )
    .argument('<dir>', 'plugin source folder')
    .option('--out <dir>', 'where to write <name>/ (default: <dir>/build)')
    .action(async (dir: string, opts: { out?: string }) => {
      const { pluginBuildCommand } = await import('./commands/plugin.js');
      setExit(await pluginBuildCommand(dir, opts, o));
    });
  plugin
    .command('test')
    .description(
      'run the pattern conformance suite over a plugin, with the scenarios in conformance.yaml beside its manifest.json',
    )
    .argument('<path>', 'a built manifest.json or folder, or a source folder (built first)')
    .option(
      '--scenarios <file>',
      'the scenarios file (default: conformance.yaml or .json beside manifest.json)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { scenarios?: string; json?: boolean }) => {
      const { pluginTestCommand } = await import('./commands/plugin.js');
      setExit(await pluginTestCommand(path, opts, o));
    });
  plugin
    .command('register')
    .description(
      "store a plugin in the data directory's plugins/ (after the loader's checklist), or upload it to a server",
    )
    .argument('<path>', 'a built manifest.json or folder, or a source folder (built first)')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(async (path: string, opts: { dataDir: string; store?: string; server?: string }) => {
      const { pluginRegisterCommand } = await import('./commands/plugin.js');
      setExit(await pluginRegisterCommand(path, opts, o));
    });
  plugin
    .command('list')
    .description(
      'list the built-in pattern plugins and those of the data directory, or the plugins of a server',
    )
    .option('--kind <kind>', 'only plugins of this kind (pattern or hook)')
    .option('--json', 'print JSON')
    .option(...dataDir)
    .option(...store)
    .option(...server)
    .action(
      async (opts: { dataDir: string; store?: string; server?: string; json?: boolean; kind?: string }) => {
        const { pluginListCommand } = await import('./commands/plugin.js');
        setExit(await pluginListCommand(opts, o));
      },
    );

  program
    .command('patterns')
    .description(
      'list every orchestration pattern a workflow can name: native, built-in plugins, and plugins installed in the data directory',
    )
    .option('--json', 'print JSON')
    .option(...dataDir)
    .action(async (opts: { dataDir: string; json?: boolean }) => {
      const { patternsCommand } = await import('./commands/patterns.js');
      setExit(await patternsCommand(opts, o));
    });

  program
    .command('serve')
    .description(
      'serve the gRPC API (workflows, runs, health, reflection); SIGTERM drains, the next start resumes',
    )
    .option('--config <file>', 'settings file (YAML or JSON; see docs/configuration.md), or BATON_CONFIG')
    .option('--listen <host:port>', 'address to listen on (port 0 picks a free one) [127.0.0.1:50051]')
    .option(
      '--http <host:port>',
      'also serve HTTP here: workflows as A2A agents (/a2a), metrics (/metrics), the web UI (/) [off]',
    )
    .option('--registry <file>', 'agent registry to validate agent types against')
    .option('--data-dir <dir>', `where runs and workflows are stored (SQLite) [${DEFAULT_DATA_DIR}]`)
    .option(
      '--store <url>',
      'store runs in PostgreSQL (postgres://USER@HOST:PORT/DB[?schema=NAME]) or sqlite:DIR',
    )
    .option(
      '--agents-dir <dir>',
      'where relative endpoint.module paths of workflows sent to this server resolve [the current directory]',
    )
    .option('--drain-grace <duration>', 'on SIGTERM, how long in-flight attempts may finish [10s]')
    .option('--bus <url>', 'the bus: memory, or redis://HOST:PORT[/DB][?prefix=PREFIX] [memory]')
    .option('--retention <duration>', 'purge runs that ended longer ago than this, e.g. 30d [off]')
    .option('--hook-log-retention <duration>', 'delete hook executions logged longer ago than this [7d]')
    .option('--worker-lease <duration>', "how long a worker's assignment lasts without a heartbeat [10s]")
    .option('--lease <duration>', "run lease: a dead instance's runs move to another after this [15s]")
    .action(
      async (opts: {
        config?: string;
        listen?: string;
        http?: string;
        registry?: string;
        dataDir?: string;
        store?: string;
        agentsDir?: string;
        drainGrace?: string;
        bus?: string;
        retention?: string;
        hookLogRetention?: string;
        workerLease?: string;
        lease?: string;
      }) => {
        // Loaded on demand: the other commands need not load grpc-js.
        const { serveCommand } = await import('./commands/serve.js');
        const flags = {
          ...(opts.listen !== undefined && { listen: opts.listen }),
          ...(opts.http !== undefined && { http: opts.http }),
          ...(opts.registry !== undefined && { registry: opts.registry }),
          ...(opts.dataDir !== undefined && { data_dir: opts.dataDir }),
          ...(opts.store !== undefined && { store: opts.store }),
          ...(opts.agentsDir !== undefined && { agents_dir: opts.agentsDir }),
          ...(opts.drainGrace !== undefined && { drain_grace: opts.drainGrace }),
          ...(opts.bus !== undefined && { bus: opts.bus }),
          ...(opts.retention !== undefined && { retention: opts.retention }),
          ...(opts.hookLogRetention !== undefined && { hook_log_retention: opts.hookLogRetention }),
          ...(opts.workerLease !== undefined && { worker_lease: opts.workerLease }),
          ...(opts.lease !== undefined && { lease: opts.lease }),
        };
        setExit(
          await serveCommand(
            { flags, env: process.env, ...(opts.config !== undefined && { configFile: opts.config }) },
            o,
          ),
        );
      },
    );

  return program;
}

/** Runs the CLI on argv (without node and script); resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], o: Output = processOutput()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(o, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof BatonError) {
      o.err(`baton: ${e.code}  ${e.message}`);
      return USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.invalid;
    }
    o.err(`baton: BATON_E_INTERNAL  ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.invalid;
  }
}
