// A PluginRunner that remembers every call (export, input, output) it passes on: the determinism check
// calls each again with the same bytes, and the replay check proves replay made no call at all.

import type { PluginExport } from '../wasm/abi.js';
import type { PluginCode, PluginRunner } from '../wasm/runner.js';

export interface RecordedCall {
  readonly exp: PluginExport;
  readonly input: string;
  readonly output: string;
}

export class RecordingRunner implements PluginRunner {
  readonly calls: RecordedCall[] = [];
  /** The code of the last call, to call again with. */
  code: PluginCode | undefined;

  constructor(private readonly inner: PluginRunner) {}

  async call(code: PluginCode, exp: PluginExport, input: string): Promise<string> {
    this.code = code;
    const output = await this.inner.call(code, exp, input);
    this.calls.push({ exp, input, output });
    return output;
  }

  /** Calls the plugin without recording (the determinism check's second call). */
  again(exp: PluginExport, input: string): Promise<string> {
    return this.inner.call(this.code!, exp, input);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
