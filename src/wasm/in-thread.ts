// The trusted runner: Baton's own built-in plugins may run on the main thread, where a call costs
// ~16 µs instead of a worker round trip. Nothing can stop a guest loop here, so only plugins the
// host itself marks trusted (built by this project, hash verified) ever get this runner.

import type { Plugin } from '@extism/extism';
import { BatonError } from '../errors/registry.js';
import type { PluginExport } from './abi.js';
import type { PluginCode, PluginLog, PluginRunner } from './runner.js';

export class InThreadRunner implements PluginRunner {
  private readonly plugins = new Map<string, Promise<Plugin>>();
  /** The last call queued on each plugin's instance: calls on one instance run one after another. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(private readonly log?: PluginLog) {}

  /**
   * Calls are queued per plugin: Extism's call resets the instance's buffers and reads its output after
   * an await, so two calls in flight on one instance (two runs asking at once) would swap outputs.
   */
  call(code: PluginCode, exp: PluginExport, input: string): Promise<string> {
    const previous = this.tails.get(code.sha256) ?? Promise.resolve();
    const next = previous.then(() => this.callNow(code, exp, input));
    // The queue goes on after a failed call; the caller gets the failure.
    const tail = next.catch(() => undefined);
    this.tails.set(code.sha256, tail);
    void tail.then(() => {
      if (this.tails.get(code.sha256) === tail) this.tails.delete(code.sha256);
    });
    return next;
  }

  private async callNow(code: PluginCode, exp: PluginExport, input: string): Promise<string> {
    const where = `plugin ${code.id}, export ${exp}`;
    if (this.closed) throw new BatonError('BATON_E_PLUGIN_CLOSED', `${where}: the plugin host is closed`);
    const plugin = await this.instance(code);
    let bytes: Uint8Array;
    try {
      bytes = (await plugin.call(exp, input))?.bytes() ?? new Uint8Array();
      // Extism fails on call 8192 of an instance that is never reset.
      await plugin.reset();
    } catch (e) {
      // A trapped guest's memory and globals are whatever the trap left: the next call gets a fresh one.
      this.plugins.delete(code.sha256);
      await plugin.close();
      throw new BatonError('BATON_E_PLUGIN_TRAP', `${where} failed: ${(e as Error).message}`, { cause: e });
    }
    if (bytes.length > code.outputBytes) {
      throw new BatonError(
        'BATON_E_PLUGIN_OUTPUT',
        `${where}: the output (${bytes.length} bytes) is over the limit of ${code.outputBytes} bytes`,
      );
    }
    return new TextDecoder().decode(bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.plugins.values()];
    this.plugins.clear();
    await Promise.all(all.map(async (p) => (await p).close()));
  }

  private instance(code: PluginCode): Promise<Plugin> {
    let p = this.plugins.get(code.sha256);
    if (p === undefined) {
      const log =
        (level: string) =>
        (...args: unknown[]) =>
          this.log?.(code.id, level, args.map(String).join(' '));
      const logger = {
        trace: log('trace'),
        debug: log('debug'),
        info: log('info'),
        warn: log('warn'),
        error: log('error'),
      };
      // Extism is imported on first use: it loads node:wasi, which would warn on every CLI start.
      p = import('@extism/extism').then(({ default: createPlugin }) =>
        createPlugin(
          { wasm: [{ data: code.bytes }] },
          { useWasi: false, runInWorker: false, logger: logger as unknown as Console, logLevel: 'info' },
        ),
      );
      p.catch(() => this.plugins.delete(code.sha256));
      this.plugins.set(code.sha256, p);
    }
    return p;
  }
}
