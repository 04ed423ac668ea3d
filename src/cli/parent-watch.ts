// `npx baton serve &` then `kill $!` signals npm's wrapper, which does not pass the signal on: the server
// would keep serving, orphaned. So when npm started this process (its environment says so), the server
// also stops when that wrapper goes away. Started directly (bin/baton.js, a process manager), it keeps
// running after its parent exits, as a daemon should.

import { readFileSync } from 'node:fs';

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash']);

/** npm sets npm_execpath in the environment of everything it runs (npx, npm exec, npm run). */
export const startedByNpm = (env: NodeJS.ProcessEnv): boolean => Boolean(env.npm_execpath);

/** A process's parent and name from /proc (Linux); undefined where there is no /proc. */
function procInfo(pid: number): { ppid: number; comm: string } | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? { ppid, comm } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The processes to watch: the parent, and when the parent is the shell npm runs the bin through
 * (`sh -c baton ...`), npm itself: a killed npm leaves that shell waiting on us.
 */
export function wrapperPids(ppid: number = process.ppid): number[] {
  const parent = procInfo(ppid);
  return parent && SHELLS.has(parent.comm) && parent.ppid > 1 ? [ppid, parent.ppid] : [ppid];
}

export interface ParentWatch {
  /** Resolves with a reason once a watched process is gone; never when nothing is watched. */
  readonly gone: Promise<string>;
  stop(): void;
}

/** Watches the npm wrapper this process runs under (nothing when npm did not start it). */
export function watchWrapper(env: NodeJS.ProcessEnv = process.env, pollMs = 500): ParentWatch {
  if (!startedByNpm(env)) return { gone: new Promise<string>(() => undefined), stop: () => undefined };
  const ppid = process.ppid;
  const pids = wrapperPids(ppid);
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<string>((resolve) => {
    timer = setInterval(() => {
      const dead = process.ppid !== ppid ? ppid : pids.find((pid) => !alive(pid));
      if (dead === undefined) return;
      clearInterval(timer);
      resolve(`the npm process that started it (pid ${dead}) is gone`);
    }, pollMs);
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}
