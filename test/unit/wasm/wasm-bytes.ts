// A hand-written WebAssembly byte builder for the loader's tests: modules shaped exactly as a check
// needs (no memory maximum, a missing export, a foreign import) without a compiler. Every function it
// emits is `() -> i32` returning 0.

export interface ModuleShape {
  readonly exports?: readonly string[];
  /** Omitted: no memory at all. `max` omitted: an unbounded memory. */
  readonly memory?: { readonly min: number; readonly max?: number };
  readonly imports?: ReadonlyArray<{ readonly module: string; readonly name: string }>;
}

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const name = (s: string) => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

export const ABI_V1_PATTERN_EXPORTS = ['baton_abi_v1', 'baton_describe', 'pattern_init', 'pattern_step'];

export function wasmModule(shape: ModuleShape): Uint8Array {
  const exports = shape.exports ?? ABI_V1_PATTERN_EXPORTS;
  const imports = shape.imports ?? [];
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  bytes.push(...section(1, vec([[0x60, 0x00, 0x01, 0x7f]])));
  if (imports.length > 0) {
    bytes.push(...section(2, vec(imports.map((i) => [...name(i.module), ...name(i.name), 0x00, 0x00]))));
  }
  bytes.push(...section(3, vec(exports.map(() => [0x00]))));
  if (shape.memory !== undefined) {
    const { min, max } = shape.memory;
    const limits = max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
    bytes.push(...section(5, vec([limits])));
  }
  const entries = exports.map((e, k) => [...name(e), 0x00, ...uleb(imports.length + k)]);
  if (shape.memory !== undefined) entries.push([...name('memory'), 0x02, 0x00]);
  bytes.push(...section(7, vec(entries)));
  bytes.push(...section(10, vec(exports.map(() => [0x04, 0x00, 0x41, 0x00, 0x0b]))));
  return new Uint8Array(bytes);
}
