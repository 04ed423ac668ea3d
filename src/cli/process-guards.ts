// What the `baton` process does about its own runtime, installed by bin/baton.js before the CLI loads:
// Node's experimental notice for WASI (which the plugin host loads) is not shown to users who cannot act
// on it, and a reader that goes away (`baton events RUN | head -1`) ends the command quietly with exit 0.

/** Node's one-line notice that WASI is experimental: printed on every plugin run, useless to a user. */
export function isWasiNotice(warning: Error): boolean {
  return warning.name === 'ExperimentalWarning' && /\bWASI\b/.test(warning.message);
}

/** A write to a closed pipe: the reader has all it wanted. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

export function installProcessGuards(proc: NodeJS.Process = process): void {
  // Node prints warnings from its own 'warning' listener: keep it for every other warning.
  const printers = proc.listeners('warning');
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error) => {
    if (isWasiNotice(warning)) return;
    for (const print of printers) print.call(proc, warning);
  });
  proc.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (CLOSED.has(e.code ?? '')) proc.exit(0);
    throw e;
  });
  // Nothing can be reported on a closed stderr; the command goes on and says what it has on stdout.
  proc.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (!CLOSED.has(e.code ?? '')) throw e;
  });
}
