// The journal timeline: one row per entry (a window of rows is rendered, so 10,000 entries scroll
// smoothly); selecting an entry shows the run as it was then, "Live" returns to the present.

import { useState } from 'react';
import type { RunEvent } from '../types.ts';

const ROW = 24;
const VISIBLE = 30;

export function Timeline(props: {
  events: readonly RunEvent[];
  selected: number | null;
  onSelect: (count: number | null) => void;
}) {
  const { events, selected, onSelect } = props;
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / ROW) - 5);
  const rows = events.slice(first, first + VISIBLE + 10);
  const t0 = events[0] ? Date.parse(events[0].at) : 0;
  return (
    <div className="timeline">
      <div className="timeline-head">
        <strong>Journal</strong> <span data-testid="journal-count">{events.length}</span> entries
        {selected !== null && (
          <>
            {' · '}showing the run at entry <span data-testid="travel-seq">{selected}</span>{' '}
            <button onClick={() => onSelect(null)} data-testid="live-button">
              Live
            </button>
          </>
        )}
        <input
          type="range"
          min={1}
          max={Math.max(1, events.length)}
          value={selected ?? events.length}
          onChange={(e) => onSelect(Number(e.target.value))}
          aria-label="time travel"
          data-testid="travel-slider"
        />
      </div>
      <div
        className="timeline-rows"
        style={{ height: ROW * Math.max(4, Math.min(VISIBLE, events.length)) }}
        onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      >
        <div style={{ height: events.length * ROW, position: 'relative' }}>
          {rows.map((e, i) => {
            const seq = first + i + 1;
            return (
              <div
                key={e.cursor}
                className={`timeline-row${selected === seq ? ' selected' : ''}`}
                style={{ top: (first + i) * ROW, height: ROW }}
                data-seq={seq}
                onClick={() => onSelect(seq)}
              >
                <span className="seq">{e.seq}</span>
                <span className="at">+{((Date.parse(e.at) - t0) / 1000).toFixed(3)}s</span>
                <span className="type">{e.type}</span>
                <span className="task">{e.taskId}</span>
                <span className="actor">{e.actor}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
