// One run's live progress, pushed by the server as server-sent events: per stream (records, pages,
// records/s) or per write (ok / rejected / failed), the key's rate-limit waits, Cancel, and the files
// to download once it has them.
import { useEffect, useState } from 'react';
import type { RunRecord } from '../api-types';
import { describe, send } from './api';
import { Notice } from './Notice';
import { TableHead } from './RecordsTable';

export function fileUrl(run: RunRecord, file: string): string {
  return `/api/runs/${encodeURIComponent(run.id)}/files/${encodeURIComponent(file)}`;
}

export function Downloads({ run }: { run: RunRecord }) {
  if (run.files.length === 0) return null;
  return (
    <ul className="downloads" aria-label={`Files of run ${run.id}`}>
      {run.files.map((f) => (
        <li key={f}>
          <a href={fileUrl(run, f)} download>
            {f}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function RunView({ initial, onFinished }: { initial: RunRecord; onFinished?(run: RunRecord): void }) {
  const [run, setRun] = useState(initial);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (initial.status !== 'running') {
      onFinished?.(initial);
      return;
    }
    const events = new EventSource(`/api/runs/${encodeURIComponent(initial.id)}/events`);
    events.addEventListener('progress', (e) =>
      setRun(JSON.parse((e as MessageEvent<string>).data) as RunRecord)
    );
    events.addEventListener('done', (e) => {
      events.close();
      const final = JSON.parse((e as MessageEvent<string>).data) as RunRecord;
      setRun(final);
      onFinished?.(final);
    });
    return () => events.close();
  }, [initial.id]);

  const cancel = () =>
    send<RunRecord>('POST', `/api/runs/${encodeURIComponent(run.id)}/cancel`).catch((e: unknown) =>
      setError(describe(e))
    );
  const rl = run.rateLimit;
  return (
    <div className="run" aria-label={`Run ${run.id}`}>
      <p className="run-status" aria-live="polite">
        Run {run.id}: <strong className={`status ${run.status}`}>{run.status}</strong>
        {run.message ? ` — ${run.message}` : ''}
      </p>
      {run.kind === 'source' && run.progress && (
        <table className="data">
          <caption>Progress per stream</caption>
          <TableHead columns={['Stream', 'Status', 'Records', 'Pages', 'Records/s']} />
          <tbody>
            {Object.entries(run.progress).map(([stream, p]) => (
              <tr key={stream} data-stream={stream}>
                <th scope="row">{stream}</th>
                <td>
                  {p.status}
                  {p.error ? `: ${p.error.message}` : ''}
                </td>
                <td className="num">{p.records}</td>
                <td className="num">{p.pages}</td>
                <td className="num">{p.rate}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run.kind === 'destination' && run.summary && (
        <p className="summary">
          {run.dryRun ? 'Dry run: nothing was sent. ' : ''}
          {run.summary.in} in · {run.summary.ok} ok · {run.summary.rejected} rejected · {run.summary.failed}{' '}
          failed
        </p>
      )}
      <p className="muted">
        Rate limit: {rl.waits} request(s) waited for the key's budget ({(rl.waitedMs / 1000).toFixed(1)} s in
        all)
        {rl.pauses ? `, ${rl.pauses} pause(s) after 429` : ''}.
      </p>
      {run.status === 'running' && (
        <button type="button" className="danger" onClick={() => void cancel()}>
          Cancel run
        </button>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {run.status !== 'running' && <Downloads run={run} />}
    </div>
  );
}
