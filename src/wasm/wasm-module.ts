// Reads what the loader must check in a WebAssembly binary before any of it runs: its imports, its
// exports and its memories' declared limits. WebAssembly.Module's reflection has no memory limits,
// so the sections are parsed here (binary format 1.0: LEB128 sizes, section ids 2, 5 and 7).

import { BatonError } from '../errors/registry.js';

export interface MemoryLimits {
  /** Pages of 64 KiB. */
  readonly min: number;
  /** Undefined: the module declared no maximum (unbounded). */
  readonly max: number | undefined;
  readonly imported: boolean;
}

export interface ModuleInfo {
  readonly imports: ReadonlyArray<{ readonly module: string; readonly name: string; readonly kind: number }>;
  readonly exports: readonly string[];
  readonly memories: readonly MemoryLimits[];
}

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const KIND_MEMORY = 2;

class Reader {
  pos = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly end = b.length,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  byte(): number {
    if (this.pos >= this.end) throw new RangeError('unexpected end of the module');
    return this.b[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new RangeError('a LEB128 number is too long');
    }
  }
  name(): string {
    const n = this.u32();
    if (this.pos + n > this.end) throw new RangeError('a name runs past its section');
    const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  limits(imported: boolean): MemoryLimits {
    const flags = this.byte();
    if (flags > 3)
      throw new RangeError(`memory limits flag 0x${flags.toString(16)} (memory64) is not supported`);
    const min = this.u32();
    const max = (flags & 1) === 1 ? this.u32() : undefined;
    return { min, max, imported };
  }
  skipImportDesc(kind: number): void {
    switch (kind) {
      case 0: // function: type index
        this.u32();
        return;
      case 1: // table: reftype + limits
        this.byte();
        this.limits(true);
        return;
      case 3: // global: valtype + mutability
        this.byte();
        this.byte();
        return;
      case 4: // tag: attribute + type index
        this.byte();
        this.u32();
        return;
      default:
        throw new RangeError(`unknown import kind ${kind}`);
    }
  }
}

/**
 * The imports, exports and memories a module declares.
 * @throws BatonError BATON_E_PLUGIN_EXPORTS when the bytes are not a WebAssembly 1.0 binary.
 */
export function inspectModule(bytes: Uint8Array, plugin: string): ModuleInfo {
  try {
    return inspect(bytes);
  } catch (e) {
    throw new BatonError(
      'BATON_E_PLUGIN_EXPORTS',
      `plugin ${plugin}: not a valid WebAssembly module (${(e as Error).message})`,
      { cause: e },
    );
  }
}

function inspect(bytes: Uint8Array): ModuleInfo {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw new RangeError('no WebAssembly 1.0 header');
  }
  const imports: Array<{ module: string; name: string; kind: number }> = [];
  const exports: string[] = [];
  const memories: MemoryLimits[] = [];
  const r = new Reader(bytes);
  r.pos = 8;
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (end > bytes.length) throw new RangeError(`section ${id} runs past the end of the module`);
    const s = new Reader(bytes, end);
    s.pos = r.pos;
    if (id === SECTION_IMPORT) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name();
        const name = s.name();
        const kind = s.byte();
        if (kind === KIND_MEMORY) memories.push(s.limits(true));
        else s.skipImportDesc(kind);
        imports.push({ module, name, kind });
      }
    } else if (id === SECTION_MEMORY) {
      for (let n = s.u32(); n > 0; n--) memories.push(s.limits(false));
    } else if (id === SECTION_EXPORT) {
      for (let n = s.u32(); n > 0; n--) {
        exports.push(s.name());
        s.byte();
        s.u32();
      }
    }
    r.pos = end;
  }
  return { imports, exports, memories };
}
