// The history of the runs started from the console (kept in the credential store's folder).
import { useEffect, useState } from 'react';
import type { RunRecord } from '../api-types';
import { describe, get } from './api';
import { Notice } from './Notice';
import { TableHead } from './RecordsTable';
import { Downloads } from './RunView';

function counts(r: RunRecord): string {
  if (r.kind === 'source')
    return Object.entries(r.progress ?? {})
      .map(([s, p]) => `${s}: ${p.records}`)
      .join(', ');
  const s = r.summary;
  return s ? `${s.in} in, ${s.ok} ok, ${s.rejected} rejected, ${s.failed} failed` : '';
}

export function Runs() {
  const [runs, setRuns] = useState<RunRecord[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<RunRecord[]>('/api/runs').then(setRuns, (e: unknown) => setError(describe(e)));
  }, []);
  return (
    <section className="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {error && <Notice kind="error">{error}</Notice>}
      {runs?.length === 0 && <p>No runs yet: start one from New source or New destination.</p>}
      {runs && runs.length > 0 && (
        <div className="scroll">
          <table className="data runs">
            <caption>Runs started from this console, newest first</caption>
            <TableHead columns={['Started', 'Kind', 'Credential', 'What', 'Status', 'Records', 'Files']} />
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-run={r.id}>
                  <td>{new Date(r.startedAt).toLocaleString()}</td>
                  <td>
                    {r.kind}
                    {r.dryRun ? ' (dry run)' : ''}
                    {r.incrementalFrom ? ' (incremental)' : ''}
                  </td>
                  <td>{r.credential}</td>
                  <td>{r.kind === 'source' ? r.streams?.join(', ') : r.action}</td>
                  <td>
                    {r.status}
                    {r.message ? `: ${r.message}` : ''}
                  </td>
                  <td>{counts(r)}</td>
                  <td>
                    <Downloads run={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
