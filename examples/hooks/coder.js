// @ts-check
// The agent of the hooks examples: it "codes" by making tool calls through ctx.tool, so the run's
// pre_command / pre_edit / post_edit hooks guard them. It writes the file the task input names (in the
// directory BATON_EXAMPLE_WORKDIR, default the system's temp folder), then runs the command the input
// names (echoed, never executed: this is an example).
//
// Input: { file?: string, content?: string, command?: string }. Output: { wrote?, ran? }.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {{ input: unknown, tool: (kind: 'search' | 'edit' | 'command', args: unknown, fn: (args: unknown) => unknown) => Promise<unknown> }} ctx
 */
export default async function coder(ctx) {
  const input = /** @type {{ file?: string, content?: string, command?: string }} */ (ctx.input ?? {});
  /** @type {{ wrote?: unknown, ran?: unknown }} */
  const out = {};
  if (input.file !== undefined) {
    const path = join(process.env.BATON_EXAMPLE_WORKDIR ?? tmpdir(), input.file);
    out.wrote = await ctx.tool('edit', { path, content: input.content ?? '' }, (args) => {
      const a = /** @type {{ path: string, content: string }} */ (args);
      writeFileSync(a.path, a.content);
      return a.path;
    });
  }
  if (input.command !== undefined) {
    out.ran = await ctx.tool('command', { command: input.command }, (args) => ({
      echoed: /** @type {{ command: string }} */ (args).command,
    }));
  }
  return out;
}
