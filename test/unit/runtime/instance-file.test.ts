// The crash shortcut: an owner is known dead only when its instance file names a process of this host
// that no longer exists; anything else (alive, another host, no file) leaves the decision to the lease.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceFile } from '../../../src/runtime/instance-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-instances-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('instance file', () => {
  it('tells a crashed owner of this host from a live one, and knows nothing of the rest', () => {
    const me = new InstanceFile(dir, 'me');
    me.register();
    expect(existsSync(join(dir, 'me.json'))).toBe(true);
    expect(me.isDead('me')).toBe(false); // this process

    writeFileSync(join(dir, 'crashed.json'), JSON.stringify({ pid: deadPid(), host: hostname() }));
    expect(me.isDead('crashed')).toBe(true);
    writeFileSync(join(dir, 'parent.json'), JSON.stringify({ pid: process.ppid, host: hostname() }));
    expect(me.isDead('parent')).toBe(false);
    writeFileSync(join(dir, 'far.json'), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}` }));
    expect(me.isDead('far')).toBe(false);
    writeFileSync(join(dir, 'garbled.json'), '{"pid": ');
    expect(me.isDead('garbled')).toBe(false);
    expect(me.isDead('never-registered')).toBe(false);
    expect(me.isDead('../me')).toBe(false); // not a name this directory holds

    me.unregister();
    expect(existsSync(join(dir, 'me.json'))).toBe(false);
  });
});
