// Where a plugin's code runs: the one interface the sandboxed pool and the trusted in-thread runner
// both implement, so a pattern does not know (or care) which it got.

import type { PluginExport } from './abi.js';

/** A verified plugin's code and the limits of each call into it. */
export interface PluginCode {
  /** `name@version`, for messages and logs. */
  readonly id: string;
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly timeoutMs: number;
  readonly outputBytes: number;
}

/** A line a plugin logged (Extism's log_* are the only host functions of ABI v1). */
export type PluginLog = (plugin: string, level: string, message: string) => void;

export interface PluginRunner {
  /**
   * Calls `exp` with `input` (JSON text) and returns its output text. Rejects with a BatonError:
   * BATON_E_PLUGIN_TIMEOUT, BATON_E_PLUGIN_TRAP, BATON_E_PLUGIN_OUTPUT (too many bytes) or
   * BATON_E_PLUGIN_CLOSED, each naming the plugin and the export.
   */
  call(code: PluginCode, exp: PluginExport, input: string): Promise<string>;
  close(): Promise<void>;
}
