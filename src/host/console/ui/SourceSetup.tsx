// Step 3 of a new source: the streams this key can read (from discover()), the source config form
// (from its schema), a preview (sample()), then a run with live progress, downloads, and a re-run that
// continues incrementally from the run's final state.
import { useEffect, useRef, useState } from 'react';
import type Form from '@rjsf/core';
import type { ConnectorDetails, DiscoveredStream, RunRecord } from '../api-types';
import { describe, send } from './api';
import { Notice } from './Notice';
import { RecordsTable } from './RecordsTable';
import { RunView } from './RunView';
import { ConfigSection } from './SchemaForm';

type Values = Record<string, unknown>;
/** The config property the stream picker fills, when the source's config schema has one. */
const STREAMS_FIELD = 'streams';
// Webhook mode needs a listener and a log folder of its own: the console runs polling reads only.
const WEBHOOKS_FIELD = 'webhooks';

export function SourceSetup({ connector, credential }: { connector: ConnectorDetails; credential: string }) {
  const schema = connector.source!.configSchema;
  const hasStreamsField = Boolean(
    (schema.properties as Record<string, unknown> | undefined)?.[STREAMS_FIELD]
  );
  const base = `/api/connectors/${encodeURIComponent(connector.id)}/credentials/${encodeURIComponent(credential)}`;
  const formRef = useRef<Form>(null);
  const [streams, setStreams] = useState<DiscoveredStream[]>();
  const [chosen, setChosen] = useState<string[]>([]);
  const [values, setValues] = useState<Values>({});
  const [error, setError] = useState<string>();
  const [previewStream, setPreviewStream] = useState('');
  const [preview, setPreview] = useState<{ stream: string; records: Record<string, unknown>[] }>();
  const [busy, setBusy] = useState<string>();
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const [finished, setFinished] = useState<RunRecord>();

  useEffect(() => {
    send<DiscoveredStream[]>('POST', `${base}/discover`, { config: {} }).then(setStreams, (e: unknown) =>
      setError(describe(e))
    );
  }, [base]);

  const config = (): Values => (hasStreamsField ? { ...values, [STREAMS_FIELD]: chosen } : values);
  const valid = () => formRef.current?.validateForm() ?? false;
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...chosen, name] : chosen.filter((s) => s !== name);
    setChosen(next);
    if (!next.includes(previewStream)) setPreviewStream(next[0] ?? '');
  };

  const loadPreview = async () => {
    if (!previewStream || !valid()) return;
    setBusy('preview');
    setError(undefined);
    try {
      const res = await send<{ records: Record<string, unknown>[] }>('POST', `${base}/sample`, {
        stream: previewStream,
        config: config(),
        limit: 20,
      });
      setPreview({ stream: previewStream, records: res.records });
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(undefined);
    }
  };

  const start = async (incrementalFrom?: string) => {
    if (chosen.length === 0 || !valid()) return;
    setError(undefined);
    setFinished(undefined);
    try {
      const run = await send<RunRecord>('POST', '/api/runs', {
        kind: 'source',
        connector: connector.id,
        credential,
        streams: chosen,
        config: config(),
        ...(incrementalFrom ? { incrementalFrom } : {}),
      });
      setRuns((r) => [run, ...r]);
    } catch (e) {
      setError(describe(e));
    }
  };

  const running = runs.some((r) => r.status === 'running') && !finished;
  return (
    <div className="setup">
      <section aria-labelledby="streams-title">
        <h3 id="streams-title">Streams</h3>
        {!streams && !error && <p aria-busy="true">Asking {connector.name} what this key can read…</p>}
        {streams && (
          <fieldset className="streams">
            <legend>Streams to read with “{credential}”</legend>
            <ul>
              {streams.map((s) => (
                <li key={s.name} className={s.unavailable ? 'unavailable' : undefined}>
                  <label>
                    <input
                      type="checkbox"
                      name="stream"
                      value={s.name}
                      disabled={Boolean(s.unavailable)}
                      checked={chosen.includes(s.name)}
                      onChange={(e) => toggle(s.name, e.target.checked)}
                    />{' '}
                    <code>{s.name}</code>
                  </label>
                  <span className="muted">
                    {' '}
                    {s.supportedSyncModes.join(' / ')}
                    {s.cursorField ? ` · cursor ${s.cursorField.join('.')}` : ''}
                  </span>
                  {s.unavailable && (
                    <span className="reason"> Not readable with this key: {s.unavailable.reason}</span>
                  )}
                </li>
              ))}
            </ul>
          </fieldset>
        )}
      </section>

      <ConfigSection
        ref={formRef}
        title="Source configuration"
        titleId="source-config-title"
        schema={schema}
        values={config()}
        onChange={setValues}
        hidden={hasStreamsField ? [STREAMS_FIELD, WEBHOOKS_FIELD] : [WEBHOOKS_FIELD]}
        idPrefix="source"
      />

      <section aria-labelledby="preview-title">
        <h3 id="preview-title">Preview</h3>
        <div className="row">
          <label htmlFor="preview-stream">Stream to preview</label>
          <select
            id="preview-stream"
            value={previewStream}
            onChange={(e) => setPreviewStream(e.target.value)}
          >
            <option value="">(choose a stream above)</option>
            {chosen.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <button
            type="button"
            disabled={!previewStream || busy === 'preview'}
            onClick={() => void loadPreview()}
          >
            {busy === 'preview' ? 'Loading…' : 'Preview'}
          </button>
        </div>
        {preview && (
          <RecordsTable
            records={preview.records}
            caption={`First ${preview.records.length} records of ${preview.stream}`}
          />
        )}
      </section>

      <section aria-labelledby="run-title">
        <h3 id="run-title">Run</h3>
        {error && <Notice kind="error">{error}</Notice>}
        <div className="buttons">
          <button
            type="button"
            className="primary"
            disabled={chosen.length === 0 || running}
            onClick={() => void start()}
          >
            Start run
          </button>
          {finished?.files.includes('state.json') && (
            <button type="button" disabled={running} onClick={() => void start(finished.id)}>
              Run again incrementally
            </button>
          )}
        </div>
        {runs.map((r) => (
          <RunView key={r.id} initial={r} onFinished={setFinished} />
        ))}
      </section>
    </div>
  );
}
