// Baton pattern kit for AssemblyScript (ABI v1): read the JSON input of an export, write JSON output
// as UTF-8 bytes, log through the host, and the abort handler every plugin build names with
// `--use abort=<this module>/batonAbort`. Plugins import it by relative path.

import { Host, LogLevel } from '@extism/as-pdk';
import { JSON } from 'assemblyscript-json/assembly';

export { JSON };

/** The ABI version this kit speaks: what baton_describe reports. */
export const ABI_VERSION = '1.0';

/** Called by `abort()` (a failed assertion, out of memory): log where, then trap so the host sees a failure. */
export function batonAbort(
  message: string | null,
  fileName: string | null,
  lineNumber: u32,
  columnNumber: u32,
): void {
  const m = message === null ? 'abort' : message;
  const f = fileName === null ? '?' : fileName;
  Host.log(LogLevel.Error, m + ' at ' + f + ':' + lineNumber.toString() + ':' + columnNumber.toString());
  unreachable();
}

/** The export's input parsed as a JSON object (an empty input is {}). */
export function input(): JSON.Obj {
  const bytes = Host.input();
  if (bytes.length == 0) return new JSON.Obj();
  const v = JSON.parse(bytes);
  if (!v.isObj) throw new Error('the input is not a JSON object');
  return changetype<JSON.Obj>(v);
}

/** Writes `json` as the export's output, UTF-8 encoded (Host.outputString rejects non-ASCII). */
export function output(json: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(json)));
}

export function log(message: string): void {
  Host.log(LogLevel.Info, message);
}
