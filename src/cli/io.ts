// What the CLI reads and writes: workflow files (size-checked before reading) and its two output streams.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { styleText } from 'node:util';
import { BatonError } from '../errors/registry.js';

/** Largest workflow/constraints file the CLI reads; the parser enforces the same bound on text it is given. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Colour only when writing to a terminal and NO_COLOR is unset. */
  readonly color: boolean;
}

export const processOutput = (): Output => ({
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
});

export function paint(o: Output, style: Parameters<typeof styleText>[0], text: string): string {
  return o.color ? styleText(style, text) : text;
}

/**
 * The UTF-8 text of a JSON value given as `@file` (--input, an answer): read as a stream and refused
 * past `maxBytes`, so a huge file or a device (`@/dev/zero`) is a usage error, not a long wait
 * followed by an out-of-memory failure. `what` names the argument in the error.
 */
export async function readValueFile(path: string, what: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      size += (chunk as Buffer).length;
      if (size > maxBytes)
        throw new BatonError(
          'BATON_E_USAGE',
          `${what}: ${path} is larger than ${maxBytes / 1048576} MiB; a JSON value from a file may be at most that`,
        );
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof BatonError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new BatonError('BATON_E_USAGE', `${what}: cannot read ${path} (${err.code ?? err.message})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a file as bytes, refusing directories and files over the limit before reading them. */
export async function readInputFile(path: string, maxBytes = MAX_FILE_BYTES): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new BatonError('BATON_E_FILE_READ', `${path} is a directory, not a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof BatonError) throw e;
    throw new BatonError(
      'BATON_E_FILE_READ',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
  if (size > maxBytes) {
    throw new BatonError(
      'BATON_E_FILE_TOO_LARGE',
      `${path} is ${(size / 1048576).toFixed(1)} MiB; a workflow file may be at most ${maxBytes / 1048576} MiB`,
    );
  }
  try {
    return await readFile(path);
  } catch (e) {
    throw new BatonError(
      'BATON_E_FILE_READ',
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
}
