// `baton input RUN TASK [JSON|@file]`: answers the agent of a task that waits for input (`baton status`
// lists them). Locally the answer goes to the process driving the run through the run's inbox (or
// waits there for whoever resumes the run); with --server / BATON_SERVER, to RunService.ProvideInput.

import { parseDocument } from 'yaml';
import { BatonError } from '../../errors/registry.js';
import { readValueFile, type Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { withApp } from './status.js';

export interface InputOpts {
  readonly dataDir: string;
  readonly store?: string;
  readonly server?: string;
  /** The argument is the answer as text, not JSON. */
  readonly text?: boolean;
  /** Makes the answer idempotent: a retry with the same id is taken once. */
  readonly requestId?: string;
}

export async function inputCommand(
  runId: string,
  task: string,
  answer: string | undefined,
  opts: InputOpts,
  o: Output,
): Promise<number> {
  const input = await parseAnswer(answer, opts.text === true);
  const address = serverAddress(opts);
  const done = address
    ? await withRemote(address, async (runs) => {
        const r = await runs.provideInput(runId, task, input, opts.requestId ?? '');
        return { journaled: r.cursor !== '', key: r.key, attempt: r.attempt };
      })
    : await withApp(opts, async (app) => {
        const r = await app.engine.provideInput(
          runId,
          task,
          input,
          opts.requestId === undefined ? {} : { requestId: opts.requestId },
        );
        return { journaled: r.seq !== undefined, key: r.key, attempt: r.attempt };
      });
  o.err(
    done.journaled
      ? `answer sent to ${done.key} (attempt ${done.attempt}) of run ${runId}`
      : `answer for ${done.key} (attempt ${done.attempt}) waits in the inbox of run ${runId}: nobody drives the run now; it is sent when the run is resumed (baton resume ${runId})`,
  );
  return 0;
}

/** The answer: JSON (from the argument, `@file`, or stdin when absent), or with --text the words as given. */
async function parseAnswer(arg: string | undefined, text: boolean): Promise<unknown> {
  let source = 'the answer';
  let raw: string;
  if (arg === undefined) {
    if (process.stdin.isTTY)
      throw new BatonError('BATON_E_USAGE', 'give the answer as JSON, @file, or on standard input');
    raw = await readStdin();
    source = 'the answer on standard input';
  } else if (arg.startsWith('@')) {
    const file = arg.slice(1);
    raw = await readValueFile(file, arg);
    source = file;
  } else raw = arg;
  if (text) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new BatonError('BATON_E_USAGE', `${source} is not JSON: ${jsonProblem(raw, e as Error)}`);
  }
}

/**
 * Where the JSON goes wrong, by line and column (V8's JSON.parse says what, not where: yaml's parser
 * under its JSON schema does), with a hint for the commonest slip: words not quoted as a JSON string.
 */
export function jsonProblem(raw: string, e: Error): string {
  const hint = /^\s*[A-Za-z]/.test(raw)
    ? ` (words? quote them as JSON, '"${raw.trim()}"', or pass --text)`
    : '';
  const first = parseDocument(raw, { schema: 'json' }).errors[0];
  const at = first?.linePos?.[0];
  if (first === undefined || at === undefined) return `${e.message}${hint}`;
  const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return `line ${at.line}, column ${at.col}: ${what}${hint}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
