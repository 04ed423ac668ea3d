import { describe, expect, it } from 'vitest';
import { describeEntry, timelineLine } from '../../../src/cli/timeline.js';
import { Task } from '../../../src/spec/schema.js';

describe('timeline', () => {
  it('shows a RunModified as who changed what and why', () => {
    const data = {
      by: 'alice',
      reason: 'needs a GPU pass',
      changes: [
        { op: 'add_task', task: Task.parse({ id: 'extra', agent: 'b', depends_on: ['one'] }) },
        { op: 'remove_task', task: 'spare' },
        { op: 'replace_task', task: Task.parse({ id: 'last', agent: 'a' }) },
        { op: 'swap_agent', task: 'last', agent: 'b' },
        { op: 'pattern_config', config: { max_rounds: 2 } },
      ],
    };
    expect(describeEntry({ type: 'RunModified', data })).toEqual({
      text: 'modified by alice: +task extra (after one); -task spare; ~task last; last -> agent b; pattern_config {"max_rounds":2} (needs a GPU pass)',
      notable: true,
    });
    expect(timelineLine({ seq: 7, at: 2500, type: 'RunModified', data } as never, 1000)).toMatch(
      /^ {4}7 {2}\+ {3}1\.500s {2}RunModified {10}modified by alice: \+task extra/,
    );
  });

  it('shows the reason of a pause and a resume when one was given', () => {
    expect(describeEntry({ type: 'RunPaused', data: { by: 'dan', reason: 'audit' } }).text).toBe(
      'paused by dan: audit',
    );
    expect(describeEntry({ type: 'RunResumed', data: { by: 'dan' } }).text).toBe('resumed by dan');
  });

  it('shows the remote task of an attempt, and an agent waiting for input', () => {
    expect(
      describeEntry({
        type: 'TaskAttemptAttached',
        data: { key: 'research', attempt: 1, remoteTaskId: 't-1' },
      }),
    ).toEqual({ text: 'research is remote task t-1 (attempt 1)', notable: false });
    expect(
      describeEntry({ type: 'TaskInputRequired', data: { key: 'ask', attempt: 1, question: 'Which year?' } }),
    ).toEqual({ text: 'ask waits for input: Which year?', notable: true });
  });
});
