// Step 1: the connectors that can be a source (or a destination), as tiles drawn from their manifests.
import { useEffect, useState } from 'react';
import type { ConnectorDetails, ConnectorTile } from '../api-types';
import { describe, get } from './api';
import type { Kind } from './App';
import { Notice } from './Notice';

export function ConnectorTiles({ kind, onPick }: { kind: Kind; onPick(c: ConnectorDetails): void }) {
  const [tiles, setTiles] = useState<ConnectorTile[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    get<ConnectorTile[]>('/api/connectors').then(
      (all) => setTiles(all.filter((t) => t.capabilities[kind] !== false)),
      (e: unknown) => setError(describe(e))
    );
  }, [kind]);
  const pick = (id: string) =>
    get<ConnectorDetails>(`/api/connectors/${encodeURIComponent(id)}`).then(onPick, (e: unknown) =>
      setError(describe(e))
    );
  return (
    <div>
      <p>Choose the type of {kind}.</p>
      {error && <Notice kind="error">{error}</Notice>}
      {!tiles && !error && <p aria-busy="true">Loading connectors…</p>}
      <ul className="tiles">
        {tiles?.map((t) => (
          <li key={t.id}>
            <button type="button" className="tile connector" onClick={() => void pick(t.id)}>
              {t.logoUrl && <img src={t.logoUrl} alt="" width={48} height={48} />}
              <span className="tile-name">{t.name}</span>
              <span className="tile-text">{t.description}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
