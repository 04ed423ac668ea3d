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

const HEX = '0123456789abcdef';

/**
 * `s` as a JSON string literal. Use it (not assemblyscript-json's `stringify()`, which writes control
 * characters such as a newline raw, after a backslash: not JSON) for every string a plugin outputs.
 */
export function quote(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(from, i);
    from = i + 1;
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += '\\\\';
    else if (c == 0x0a) out += '\\n';
    else if (c == 0x0d) out += '\\r';
    else if (c == 0x09) out += '\\t';
    else out += '\\u00' + HEX.charAt(c >> 4) + HEX.charAt(c & 0xf);
  }
  return out + s.substring(from) + '"';
}

/** A parsed JSON value written back as JSON text, with strings and keys escaped correctly (see quote). */
export function stringify(v: JSON.Value | null): string {
  if (v === null) return 'null';
  if (v.isString) return quote((<JSON.Str>v).valueOf());
  if (v.isArr) {
    const items = (<JSON.Arr>v).valueOf();
    let out = '[';
    for (let k = 0; k < items.length; k++) out += (k > 0 ? ',' : '') + stringify(items[k]);
    return out + ']';
  }
  if (v.isObj) {
    const o = <JSON.Obj>v;
    const keys = o.keys;
    let out = '{';
    for (let k = 0; k < keys.length; k++) {
      out += (k > 0 ? ',' : '') + quote(keys[k]) + ':' + stringify(o.get(keys[k]));
    }
    return out + '}';
  }
  return v.stringify();
}
