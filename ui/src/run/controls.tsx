// Run control: pause, resume, cancel and signal, each one RunService call; the answer (or its coded
// error) is shown beside the buttons.

import { useState } from 'react';
import { call } from '../api.ts';

export function Controls({ runId, ended, onDone }: { runId: string; ended: boolean; onDone: () => void }) {
  const [message, setMessage] = useState('');
  const [channel, setChannel] = useState('');
  const [event, setEvent] = useState('');
  const [data, setData] = useState('');
  const send = async (method: string, body: object, done: string) => {
    try {
      await call('RunService', method, { runId, ...body });
      setMessage(done);
      onDone();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const signal = () => {
    let value: unknown = null;
    if (data.trim() !== '') {
      try {
        value = JSON.parse(data);
      } catch (e) {
        setMessage(`the signal's data is not JSON: ${(e as Error).message}`);
        return;
      }
    }
    void send('SignalRun', { channel, event, data: value }, `signal sent on ${channel}`);
  };
  return (
    <div className="controls">
      <button
        disabled={ended}
        data-testid="pause"
        onClick={() => void send('PauseRun', { reason: 'paused from the web UI' }, 'paused')}
      >
        Pause
      </button>
      <button
        disabled={ended}
        data-testid="resume"
        onClick={() => void send('ResumeRun', { reason: 'resumed from the web UI' }, 'resumed')}
      >
        Resume
      </button>
      <button
        disabled={ended}
        data-testid="cancel"
        onClick={() => {
          if (window.confirm('Cancel this run?'))
            void send('CancelRun', { reason: 'cancelled from the web UI' }, 'cancelled');
        }}
      >
        Cancel
      </button>
      <span className="signal">
        <input placeholder="channel" value={channel} onChange={(e) => setChannel(e.target.value)} />
        <input placeholder="event" value={event} onChange={(e) => setEvent(e.target.value)} />
        <input placeholder="data (JSON)" value={data} onChange={(e) => setData(e.target.value)} />
        <button disabled={ended || channel === ''} onClick={signal}>
          Signal
        </button>
      </span>
      <span className="control-message" data-testid="control-message">
        {message}
      </span>
    </div>
  );
}
