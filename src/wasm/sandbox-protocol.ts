// Messages between the pool (main thread) and a sandbox worker thread.

export type WorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly sha: string; readonly bytes: Uint8Array }
  | {
      readonly type: 'call';
      readonly id: number;
      readonly sha: string;
      readonly export: string;
      readonly input: string;
      readonly maxOutput: number;
    };

export type WorkerReply =
  | { readonly type: 'done'; readonly id: number; readonly ok: true; readonly output: string }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly ok: false;
      /**
       * trap: the guest failed (abort, unreachable, non-zero return); output: too many bytes. The pool
       * itself answers timeout (its watchdog fired) and closed (the pool shut down).
       */
      readonly kind: 'trap' | 'output' | 'timeout' | 'closed';
      readonly message: string;
    }
  | { readonly type: 'log'; readonly sha: string; readonly level: string; readonly message: string };
