// Correct JSON text for values parsed by assemblyscript-json. Its own stringify() writes a control
// character in a string as a backslash followed by the raw character (invalid JSON: a newline in an
// agent's output would make the plugin's answer unreadable), so every value this plugin echoes back is
// re-encoded here. (Identical copies in each built-in pattern plugin until the kit carries it.)

import { JSON } from '../../../sdk/pattern-kit/assembly/index';

const HEX = '0123456789abcdef';

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c != 0x22 && c != 0x5c && c >= 0x20) continue;
    out += s.substring(from, i);
    from = i + 1;
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += '\\\\';
    else if (c == 0x0a) out += '\\n';
    else if (c == 0x0d) out += '\\r';
    else if (c == 0x09) out += '\\t';
    else out += '\\u00' + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out + s.substring(from) + '"';
}

/** `v` as JSON text. */
export function encode(v: JSON.Value | null): string {
  if (v === null || v.isNull) return 'null';
  if (v.isString) return quote((<JSON.Str>v).valueOf());
  if (v.isArr) {
    const items = (<JSON.Arr>v).valueOf();
    let out = '[';
    for (let k = 0; k < items.length; k++) out += (k > 0 ? ',' : '') + encode(items[k]);
    return out + ']';
  }
  if (v.isObj) {
    const o = <JSON.Obj>v;
    const keys = o.keys;
    let out = '{';
    for (let k = 0; k < keys.length; k++)
      out += (k > 0 ? ',' : '') + quote(keys[k]) + ':' + encode(o.get(keys[k]));
    return out + '}';
  }
  return v.stringify();
}
