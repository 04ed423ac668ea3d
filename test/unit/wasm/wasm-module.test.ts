// The loader reads imports, exports and memory limits straight from the binary; these modules are
// built byte by byte, so each case is exactly the shape it tests.

import { describe, expect, it } from 'vitest';
import { inspectModule } from '../../../src/wasm/wasm-module.js';
import { wasmModule } from './wasm-bytes.js';

describe('inspectModule', () => {
  it('reads a bounded memory, exports and imports', () => {
    const bytes = wasmModule({
      exports: ['pattern_step', 'baton_abi_v1'],
      memory: { min: 1, max: 300 },
      imports: [{ module: 'extism:host/env', name: 'input_length' }],
    });
    const info = inspectModule(bytes, 'p@1');
    expect(info.memories).toEqual([{ min: 1, max: 300, imported: false }]);
    expect(info.imports).toEqual([{ module: 'extism:host/env', name: 'input_length', kind: 0 }]);
    expect(info.exports).toEqual(['pattern_step', 'baton_abi_v1', 'memory']);
  });

  it('tells an unbounded memory (no maximum) from a bounded one', () => {
    expect(inspectModule(wasmModule({ memory: { min: 2 } }), 'p@1').memories).toEqual([
      { min: 2, max: undefined, imported: false },
    ]);
  });

  it('refuses bytes that are not a WebAssembly module, naming the plugin', () => {
    expect(() => inspectModule(new TextEncoder().encode('#!/bin/sh\necho hi'), 'acme@1.0.0')).toThrow(
      expect.objectContaining({
        code: 'BATON_E_PLUGIN_EXPORTS',
        message: expect.stringMatching(
          /^plugin acme@1\.0\.0: not a valid WebAssembly module \(no WebAssembly 1\.0 header\)/,
        ) as string,
      }),
    );
    const cut = wasmModule({ memory: { min: 1, max: 2 } }).slice(0, 20);
    expect(() => inspectModule(cut, 'p@1')).toThrow(/past the end|unexpected end/);
  });
});
