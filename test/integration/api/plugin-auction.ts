// A tiny pattern plugin written into a temp folder, as an author outside the repository would: an
// AssemblyScript source importing the pattern kit, and a manifest without wasm/sha256. It judges every
// task and lets the run go on, counting its steps in its state; `mark` changes its bytes (not its
// behaviour) so two builds of one version differ.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const KIT = fileURLToPath(new URL('../../../sdk/pattern-kit/assembly/index', import.meta.url));

export function writeAuction(dir: string, version: string, mark = ''): string {
  mkdirSync(join(dir, 'assembly'), { recursive: true });
  const manifest = {
    name: 'acme/auction',
    version,
    kind: 'pattern',
    abi: '^1.0',
    limits: { memory_pages: 64, timeout_ms: 2000 },
    description: `a sealed-bid auction ${mark}`.trim(),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const kit = relative(join(dir, 'assembly'), KIT);
  writeFileSync(
    join(dir, 'assembly', 'index.ts'),
    `import { input, output, JSON } from '${kit}';
export function baton_abi_v1(): void {}
export function baton_describe(): i32 {
  output('{"abi_version":"1.0","kind":"pattern","name":"acme/auction","version":"${version}","config_schema":{"type":"object"}}');
  return 0;
}
export function pattern_init(): i32 {
  const tasks = input().getArr('tasks');
  let judges = '';
  if (tasks !== null) {
    const list = tasks.valueOf();
    for (let k = 0; k < list.length; k++) {
      const id = changetype<JSON.Obj>(list[k]).getString('id');
      if (id === null) continue;
      if (judges.length > 0) judges += ',';
      judges += JSON.from<string>(id.valueOf()).stringify();
    }
  }
  output('{"setup":{"state":{"bids":0,"mark":"${mark}"},"judges":[' + judges + '],"holds":[],"serial":false}}');
  return 0;
}
export function pattern_step(): i32 {
  const state = input().getObj('state');
  let bids: i64 = 0;
  if (state !== null) {
    const n = state.getInteger('bids');
    if (n !== null) bids = n.valueOf();
  }
  output('{"state":{"bids":' + (bids + 1).toString() + ',"mark":"${mark}"},"decision":{"op":"continue"}}');
  return 0;
}
`,
  );
  return dir;
}
