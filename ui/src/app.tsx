// The UI's shell: a navigation bar and hash routes (#/runs, #/runs/<id>, #/workflows, #/editor[/name/version],
// #/agents), so every page has an address and a reload stays where it was.

import { useEffect, useState } from 'react';
import { AgentsPage } from './pages/agents-page.tsx';
import { EditorPage } from './pages/editor-page.tsx';
import { RunPage } from './pages/run-page.tsx';
import { RunsPage } from './pages/runs-page.tsx';
import { WorkflowsPage } from './pages/workflows-page.tsx';

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function page(hash: string) {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'runs':
      return parts[1] ? <RunPage key={parts[1]} runId={parts[1]} /> : <RunsPage />;
    case 'workflows':
      return <WorkflowsPage />;
    case 'editor':
      return parts[1] ? (
        <EditorPage key={parts.join('/')} name={parts[1]} version={parts[2] ?? ''} />
      ) : (
        <EditorPage />
      );
    case 'agents':
      return <AgentsPage />;
    default:
      return <RunsPage />;
  }
}

export function App() {
  const hash = useHash();
  const section = hash.replace(/^#\/?/, '').split('/')[0] || 'runs';
  return (
    <>
      <nav>
        <span className="brand">Baton</span>
        {[
          ['runs', 'Runs'],
          ['workflows', 'Workflows'],
          ['editor', 'Editor'],
          ['agents', 'Agents'],
        ].map(([id, label]) => (
          <a key={id} href={`#/${id}`} className={section === id ? 'active' : ''}>
            {label}
          </a>
        ))}
      </nav>
      <main>{page(hash)}</main>
    </>
  );
}
