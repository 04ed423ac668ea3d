// The `baton` command line: parses arguments with commander and routes to one module per command.
// Exit codes: 0 success, 1 the input is invalid (or the operation failed), 2 usage error.

import { Command, CommanderError } from 'commander';
import { BatonError } from '../errors/registry.js';
import { processOutput, type Output } from './io.js';
import { validateCommand } from './commands/validate.js';
import { planCommand } from './commands/plan.js';
import { schemaCommand } from './commands/schema.js';
import { VERSION } from './version.js';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

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
    .action(async (files: string[], opts: { json?: boolean; registry?: string; constraints?: string }) => {
      setExit(await validateCommand(files, opts, o));
    });

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
      return e.code === 'BATON_E_USAGE' ? EXIT.usage : EXIT.invalid;
    }
    o.err(`baton: BATON_E_INTERNAL  ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.invalid;
  }
}
