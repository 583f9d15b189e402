// Step 3 of a new destination: an action from the manifest (its description, the roles it needs and a
// warning when the key lacks them), the mapping editor from the action's input schema, the rest of the
// destination config, sample records (pasted or uploaded), a dry run that shows the request per
// record, then the run with its results table and dead letters.
import { useEffect, useRef, useState } from 'react';
import type Form from '@rjsf/core';
import type { ProbeResult, WriteResult } from '../../../contract';
import type { ConnectorDetails, RunRecord, RunResults } from '../api-types';
import { describe, get, send } from './api';
import { probeText } from './Authenticate';
import { MappingEditor, toMapping, type Rules } from './MappingEditor';
import { Notice } from './Notice';
import { TableHead } from './RecordsTable';
import { RunView } from './RunView';
import { ConfigSection } from './SchemaForm';

type Values = Record<string, unknown>;
/** Config properties the console's own controls fill: the action picker, the mapping editor, the dry-run button. */
const OWN_FIELDS = ['action', 'mapping', 'dry_run'];

/** A JSON array of records, or JSON lines. */
export function parseRecords(text: string): { records: unknown[]; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { records: [] };
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      return Array.isArray(parsed) ? { records: parsed } : { records: [], error: 'not a JSON array' };
    } catch (e) {
      return { records: [], error: `not valid JSON: ${(e as Error).message}` };
    }
  }
  const records: unknown[] = [];
  const lines = trimmed.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      records.push(JSON.parse(lines[i]));
    } catch (e) {
      return { records: [], error: `line ${i + 1} is not valid JSON: ${(e as Error).message}` };
    }
  }
  return { records };
}

function reason(r: WriteResult): string {
  if (r.status === 'rejected') return r.problems.map((p) => `${p.field} ${p.reason}`).join('; ') || r.message;
  if (r.status === 'failed')
    return `${r.failureType}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}: ${r.message}`;
  return r.outcome;
}

function ResultsTable({ run, results }: { run: RunRecord; results: RunResults }) {
  return (
    <div className="scroll">
      <table className="data results">
        <caption>
          {run.dryRun ? 'Dry run: what would be sent for each record' : 'Results, one per record'}
          {results.truncated ? ' (first results only; download results.jsonl for all)' : ''}
        </caption>
        <TableHead
          columns={['#', 'Status', run.dryRun ? 'Request' : 'Id', 'Outcome or reason', 'request_id']}
        />
        <tbody>
          {results.results.map((r) => (
            <tr key={r.index} className={r.status}>
              <td className="num">{r.index}</td>
              <td>{r.status}</td>
              {run.dryRun ? (
                <td>
                  {r.status === 'ok' && r.request ? (
                    <>
                      <code>
                        {r.request.method} {r.request.path}
                      </code>
                      {r.request.body !== undefined && <pre>{JSON.stringify(r.request.body, null, 2)}</pre>}
                    </>
                  ) : r.status === 'ok' ? (
                    'nothing to send'
                  ) : (
                    ''
                  )}
                </td>
              ) : (
                <td>{r.status === 'ok' ? r.id : ''}</td>
              )}
              <td>{reason(r)}</td>
              <td>{r.status === 'failed' ? (r.requestId ?? '') : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DestinationSetup({
  connector,
  credential,
}: {
  connector: ConnectorDetails;
  credential: string;
}) {
  const dest = connector.destination!;
  const base = `/api/connectors/${encodeURIComponent(connector.id)}/credentials/${encodeURIComponent(credential)}`;
  const formRef = useRef<Form>(null);
  const [actionName, setActionName] = useState(dest.actions[0]?.name ?? '');
  const action = dest.actions.find((a) => a.name === actionName)!;
  const [check, setCheck] = useState<ProbeResult>();
  const [rulesByAction, setRulesByAction] = useState<Record<string, Rules>>({});
  const rules = rulesByAction[actionName] ?? {};
  const [values, setValues] = useState<Values>({});
  const [recordsText, setRecordsText] = useState('');
  const parsed = parseRecords(recordsText);
  const [error, setError] = useState<string>();
  const [run, setRun] = useState<RunRecord>();
  const [finished, setFinished] = useState<RunRecord>();
  const [results, setResults] = useState<RunResults>();

  useEffect(() => {
    setCheck(undefined);
    send<{ probe: ProbeResult }>('POST', `${base}/test`, { action: actionName }).then(
      (r) => setCheck(r.probe),
      (e: unknown) => setError(describe(e))
    );
  }, [actionName]);

  const config = (): Values => {
    const mapping = toMapping(action.inputSchema, rules);
    const { mapping: _m, ...rest } = values;
    return { ...rest, action: actionName, ...(mapping ? { mapping } : {}) };
  };

  const start = async (dryRun: boolean) => {
    setError(undefined);
    if (parsed.error || parsed.records.length === 0) {
      setError(
        parsed.error ? `The sample records are ${parsed.error}.` : 'Paste or upload some records first.'
      );
      return;
    }
    if (!formRef.current?.validateForm()) return;
    setResults(undefined);
    setFinished(undefined);
    try {
      setRun(
        await send<RunRecord>('POST', '/api/runs', {
          kind: 'destination',
          connector: connector.id,
          credential,
          config: config(),
          records: parsed.records,
          dryRun,
        })
      );
    } catch (e) {
      setError(describe(e));
    }
  };

  const done = async (r: RunRecord) => {
    setFinished(r);
    try {
      setResults(await get<RunResults>(`/api/runs/${encodeURIComponent(r.id)}/results`));
    } catch (e) {
      setError(describe(e));
    }
  };

  const running = Boolean(run) && !finished;
  const lacksRoles = check?.ok && check.warnings.length > 0;
  return (
    <div className="setup">
      <section aria-labelledby="action-title">
        <h3 id="action-title">Action</h3>
        <div className="field">
          <label htmlFor="action">What each record becomes</label>
          <select id="action" value={actionName} onChange={(e) => setActionName(e.target.value)}>
            {dest.actions.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <p>{action.description}</p>
        <p className="muted">
          Needs one of these roles: {action.roles.join(', ') || 'none'}. Idempotency: {action.idempotency}
        </p>
        {check && !check.ok && <Notice kind="error">{probeText(check).text}</Notice>}
        {lacksRoles && <Notice kind="warning">{check.warnings.join(' ')}</Notice>}
        {check?.ok && !lacksRoles && (
          <Notice kind="ok">The key “{check.identity.name}” has a role for this action.</Notice>
        )}
      </section>

      <section aria-labelledby="mapping-title">
        <h3 id="mapping-title">Mapping</h3>
        <MappingEditor
          action={actionName}
          schema={action.inputSchema}
          rules={rules}
          onChange={(r) => setRulesByAction({ ...rulesByAction, [actionName]: r })}
        />
      </section>

      <ConfigSection
        ref={formRef}
        title="Destination settings"
        titleId="dest-config-title"
        schema={dest.configSchema}
        values={config()}
        onChange={setValues}
        hidden={OWN_FIELDS}
        idPrefix="destination"
      />

      <section aria-labelledby="records-title">
        <h3 id="records-title">Sample records</h3>
        <div className="field">
          <label htmlFor="records">Records (a JSON array or JSON lines)</label>
          <textarea
            id="records"
            rows={8}
            spellCheck={false}
            value={recordsText}
            onChange={(e) => setRecordsText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="records-file">Or upload a file (.json or .jsonl)</label>
          <input
            id="records-file"
            type="file"
            accept=".json,.jsonl,.ndjson,application/json"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(setRecordsText);
            }}
          />
        </div>
        <p className="muted" aria-live="polite">
          {parsed.error ? `Not readable: ${parsed.error}` : `${parsed.records.length} record(s)`}
        </p>
      </section>

      <section aria-labelledby="dest-run-title">
        <h3 id="dest-run-title">Validate and run</h3>
        {error && <Notice kind="error">{error}</Notice>}
        <div className="buttons">
          <button type="button" disabled={running} onClick={() => void start(true)}>
            Dry run
          </button>
          <button type="button" className="primary" disabled={running} onClick={() => void start(false)}>
            Run
          </button>
        </div>
        {run && <RunView key={run.id} initial={run} onFinished={(r) => void done(r)} />}
        {finished && results && <ResultsTable run={finished} results={results} />}
      </section>
    </div>
  );
}
