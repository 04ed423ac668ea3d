// Answers an agent that waits for input (A2A input-required; the unit's question comes from the folded
// journal) with RunService.ProvideInput: the answer as JSON, or as text when it is not JSON.

import { useState } from 'react';
import { call } from '../api.ts';

export function InputForm({
  runId,
  taskKey,
  question,
}: {
  runId: string;
  taskKey: string;
  question: string;
}) {
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const send = async () => {
    let input: unknown = text;
    try {
      input = JSON.parse(text);
    } catch {
      input = text; // not JSON: sent as text, as `baton input --text` does
    }
    try {
      await call('RunService', 'ProvideInput', { runId, taskId: taskKey, input });
      setMessage('sent');
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <div className="input-form" data-testid="input-form">
      <div>
        <strong>{taskKey}</strong> asks: {question}
      </div>
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder="answer (JSON or text)" />{' '}
      <button onClick={() => void send()}>Provide input</button> <span>{message}</span>
    </div>
  );
}
