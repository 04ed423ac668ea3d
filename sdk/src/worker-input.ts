// A handler's questions (Task.requestInput, A2A input-required): one box per piece of work holds the
// question being asked (sent again after a reconnect) and the answers the server sent, each taken once
// by its input id, so an answer delivered twice (a reconnect, a takeover of the run) is not taken twice.

export class AnswerBox {
  /** The question waiting for its answer, if any: re-sent when the connection comes back. */
  asking: { readonly question: string; readonly data: unknown } | undefined;
  private readonly seen = new Set<string>();
  /** Answers that came while no question waited (the handler asks next, e.g. after it restarted). */
  private readonly early: unknown[] = [];
  private waiter: ((input: unknown) => void) | undefined;

  /** An answer from the server; a duplicate (same id) is dropped. */
  offer(id: string, input: unknown): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const take = this.waiter;
    if (take === undefined) {
      this.early.push(input);
      return;
    }
    this.waiter = undefined;
    this.asking = undefined;
    take(input);
  }

  /**
   * Asks (`send` tells the server; false while disconnected: sent after the next welcome) and waits for
   * the answer; rejects with the signal's reason once the work is taken back.
   */
  ask(question: string, data: unknown, send: () => void, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.waiter !== undefined)
      return Promise.reject(new Error('requestInput: a question is already waiting for its answer'));
    if (this.early.length > 0) return Promise.resolve(this.early.shift());
    this.asking = { question, data };
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiter = undefined;
        this.asking = undefined;
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = (input) => {
        signal.removeEventListener('abort', onAbort);
        resolve(input);
      };
      send();
    });
  }
}
