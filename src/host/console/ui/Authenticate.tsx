// Step 2, the Authenticate screen: the saved credentials of the connector as tiles (name, description,
// the key's identity and roles, last checked), each with Select, Test, Update key and Delete, and an
// Add Credential tile that opens the Add New Credential overlay. The key is typed once and never shown.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type Form from '@rjsf/core';
import type { ProbeResult } from '../../../contract';
import type { ConnectorDetails, CredentialTile, SaveCredentialResponse } from '../api-types';
import { describe, get, send } from './api';
import type { Kind } from './App';
import { Modal } from './Modal';
import { Notice } from './Notice';
import { isSecret, SchemaForm } from './SchemaForm';

type Values = Record<string, unknown>;
type Dialog = { mode: 'add' } | { mode: 'update'; name: string } | { mode: 'delete'; name: string };
interface Message {
  kind: 'ok' | 'warning' | 'error';
  text: string;
}

function credentialsPath(c: ConnectorDetails, name?: string): string {
  const base = `/api/connectors/${encodeURIComponent(c.id)}/credentials`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** What a probe said, in one sentence for the page. */
export function probeText(probe: ProbeResult): Message {
  if (!probe.ok) return { kind: 'error', text: `The key was refused (${probe.failure}): ${probe.message}` };
  const id = probe.identity;
  const roles = [...id.roles, ...id.teamRoles.map((r) => `team: ${r}`)].join(', ') || 'no roles';
  const text = `Key “${id.name}” works; roles: ${roles}.`;
  return probe.warnings.length
    ? { kind: 'warning', text: `${text} Warning: ${probe.warnings.join(' ')}` }
    : { kind: 'ok', text };
}

export function Authenticate(props: {
  connector: ConnectorDetails;
  selected?: string;
  onSelect(name: string | undefined): void;
  onContinue(): void;
  purpose: Kind;
}) {
  const { connector, selected, onSelect } = props;
  const [tiles, setTiles] = useState<CredentialTile[]>();
  const [dialog, setDialog] = useState<Dialog>();
  const [message, setMessage] = useState<Message>();
  const load = () =>
    get<CredentialTile[]>(credentialsPath(connector)).then(setTiles, (e: unknown) =>
      setMessage({ kind: 'error', text: describe(e) })
    );
  useEffect(() => {
    void load();
  }, []);

  const saved = (res: SaveCredentialResponse) => {
    setDialog(undefined);
    setMessage({
      ...probeText(res.probe),
      text: `Saved “${res.credential?.name}”. ${probeText(res.probe).text}`,
    });
    if (res.credential) onSelect(res.credential.name);
    void load();
  };
  const test = async (name: string) => {
    setMessage({ kind: 'ok', text: `Checking “${name}”…` });
    try {
      const res = await send<{ probe: ProbeResult }>('POST', `${credentialsPath(connector, name)}/test`, {});
      setMessage(probeText(res.probe));
    } catch (e) {
      setMessage({ kind: 'error', text: describe(e) });
    }
    void load();
  };
  const remove = async (name: string) => {
    setDialog(undefined);
    try {
      await send('DELETE', credentialsPath(connector, name));
      if (selected === name) onSelect(undefined);
      setMessage({ kind: 'ok', text: `Deleted “${name}”.` });
    } catch (e) {
      setMessage({ kind: 'error', text: describe(e) });
    }
    void load();
  };

  return (
    <section aria-labelledby="auth-title">
      <h3 id="auth-title">Authenticate</h3>
      <p>
        Select the {connector.name} credential this {props.purpose} uses, or add a new one. A credential can
        be used by many sources and destinations.
      </p>
      <ul className="tiles">
        {tiles?.map((t) => (
          <li key={t.name}>
            <CredentialCard
              tile={t}
              selected={t.name === selected}
              onSelect={() => onSelect(t.name)}
              onTest={() => void test(t.name)}
              onUpdate={() => setDialog({ mode: 'update', name: t.name })}
              onDelete={() => setDialog({ mode: 'delete', name: t.name })}
            />
          </li>
        ))}
        <li>
          <button type="button" className="tile add" onClick={() => setDialog({ mode: 'add' })}>
            <span aria-hidden="true" className="plus">
              +
            </span>
            <span className="tile-name">Add Credential</span>
          </button>
        </li>
      </ul>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <div className="buttons">
        <button type="button" className="primary" disabled={!selected} onClick={props.onContinue}>
          {selected ? `Continue with “${selected}”` : 'Select a credential to continue'}
        </button>
      </div>
      {(dialog?.mode === 'add' || dialog?.mode === 'update') && (
        <CredentialDialog
          connector={connector}
          replace={dialog.mode === 'update' ? dialog.name : undefined}
          onClose={() => setDialog(undefined)}
          onSaved={saved}
        />
      )}
      {dialog?.mode === 'delete' && (
        <Modal title={`Delete the credential “${dialog.name}”?`} onClose={() => setDialog(undefined)}>
          <p>
            Sources and destinations that use it stop working. The stored key is erased; this cannot be
            undone.
          </p>
          <div className="buttons">
            <button type="button" className="danger" onClick={() => void remove(dialog.name)}>
              Delete
            </button>
            <button type="button" onClick={() => setDialog(undefined)}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}

function CredentialCard(props: {
  tile: CredentialTile;
  selected: boolean;
  onSelect(): void;
  onTest(): void;
  onUpdate(): void;
  onDelete(): void;
}) {
  const t = props.tile;
  const checked = t.lastChecked;
  return (
    <article
      className={`tile credential${props.selected ? ' selected' : ''}`}
      aria-label={`Credential ${t.name}`}
    >
      <h4>
        {t.name}
        {props.selected && <span className="badge">Selected</span>}
      </h4>
      <p className="tile-text">{t.description || 'No description.'}</p>
      <dl>
        <dt>Key</dt>
        <dd>{t.identity?.name ?? 'unknown'}</dd>
        <dt>Roles</dt>
        <dd>{t.identity?.roles.join(', ') || 'none'}</dd>
        <dt>Team roles</dt>
        <dd>{t.identity?.teamRoles.join(', ') || 'none'}</dd>
        <dt>Last checked</dt>
        <dd>
          {checked
            ? `${new Date(checked.at).toLocaleString()}: ${checked.ok ? 'works' : `failed (${checked.failure})`}`
            : 'never'}
        </dd>
      </dl>
      <div className="buttons small">
        <button type="button" aria-pressed={props.selected} onClick={props.onSelect}>
          {props.selected ? 'Selected' : 'Select'}
        </button>
        <button type="button" onClick={props.onTest}>
          Test
        </button>
        <button type="button" onClick={props.onUpdate}>
          Update key
        </button>
        <button type="button" onClick={props.onDelete}>
          Delete
        </button>
      </div>
    </article>
  );
}

/** The values without the secret ones: the key leaves the page's memory once it has been sent. */
function withoutSecrets(schema: Record<string, unknown>, values: Values): Values {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(values).filter(([k]) => !isSecret(props[k])));
}

/** The Add New Credential overlay (or, with `replace`, a new key for a saved credential). */
function CredentialDialog(props: {
  connector: ConnectorDetails;
  replace?: string;
  onClose(): void;
  onSaved(res: SaveCredentialResponse): void;
}) {
  const { connector, replace } = props;
  const type = connector.credentialTypes[0];
  const formRef = useRef<Form>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [values, setValues] = useState<Values>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    if (!replace && name.trim() === '') {
      setFailure('Give the credential a name.');
      nameRef.current?.focus();
      return;
    }
    if (!formRef.current?.validateForm()) return;
    setBusy(true);
    try {
      const res = replace
        ? await send<SaveCredentialResponse>('PUT', `${credentialsPath(connector, replace)}/key`, {
            credential: values,
          })
        : await send<SaveCredentialResponse>('POST', credentialsPath(connector), {
            name: name.trim(),
            description,
            credential: values,
          });
      setValues(withoutSecrets(type.schema, values));
      if (res.saved) props.onSaved(res);
      else setFailure(`Nothing was saved. ${probeText(res.probe).text}`);
    } catch (err) {
      setValues(withoutSecrets(type.schema, values));
      setFailure(`Nothing was saved. ${describe(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={replace ? `Update the key of “${replace}”` : 'Add New Credential'} onClose={props.onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">
          {connector.name} · {type.name}
        </p>
        {!replace && (
          <>
            <div className="field">
              <label htmlFor="credential-name">Credential Name</label>
              <input
                id="credential-name"
                ref={nameRef}
                autoFocus
                autoComplete="off"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="credential-description">Credential Description (optional)</label>
              <textarea
                id="credential-description"
                aria-describedby="credential-description-hint"
                rows={2}
                value={description}
                onChange={(e) => setDescription(e.target.value)}
              />
              <p id="credential-description-hint" className="hint">
                Say what the credential is for, so whoever picks it later knows: the account or team the key
                belongs to, what it may read or write, whom to ask about it.
              </p>
            </div>
          </>
        )}
        <SchemaForm
          ref={formRef}
          schema={type.schema}
          values={values}
          onChange={setValues}
          idPrefix="credential"
        />
        {failure && <Notice kind="error">{failure}</Notice>}
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking the key…' : 'Save'}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
