// The SDK worker's question box (sdk/src/worker-input.ts): an answer resolves the waiting question once per
// input id, an early answer is taken at once, and a revoked task rejects.

import { describe, expect, it } from 'vitest';
import { AnswerBox } from '../../../sdk/src/worker-input.js';

describe("a worker handler's question box", () => {
  it('resolves the waiting question with the answer, once per input id', async () => {
    const box = new AnswerBox();
    const sent: string[] = [];
    const asked = box.ask(
      'Which year?',
      { choices: [1, 2] },
      () => (sent.push('q'), true),
      new AbortController().signal,
    );
    expect(box.asking).toEqual({ question: 'Which year?', data: { choices: [1, 2] }, sent: true });
    box.offer('a:1', 2025);
    box.offer('a:1', 2025); // delivered again: dropped
    expect(await asked).toBe(2025);
    expect(box.asking).toBeUndefined();
    expect(sent).toEqual(['q']);
    // The duplicate did not become an early answer to the next question.
    let next: unknown = 'none';
    void box.ask('Which month?', null, () => false, new AbortController().signal).then((v) => (next = v));
    await Promise.resolve();
    expect(next).toBe('none');
    expect(box.asking?.sent).toBe(false);
  });

  it('takes an answer that came before the question (a restarted handler asks again) at once', async () => {
    const box = new AnswerBox();
    box.offer('a:7', { to: 'office' });
    let told = false;
    expect(await box.ask('Where?', null, () => (told = true), new AbortController().signal)).toEqual({
      to: 'office',
    });
    expect(told).toBe(false);
  });

  it('rejects with the signal reason when the work is taken back, and one question at a time', async () => {
    const box = new AnswerBox();
    const ac = new AbortController();
    const asked = box.ask('Where?', null, () => true, ac.signal);
    await expect(box.ask('Again?', null, () => true, ac.signal)).rejects.toThrow('already waiting');
    ac.abort(new Error('revoked'));
    await expect(asked).rejects.toThrow('revoked');
    expect(box.asking).toBeUndefined();
  });
});
