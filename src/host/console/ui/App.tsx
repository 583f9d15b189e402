// The console's screens, in the runtime's order: choose a type (connector tiles from the manifest) →
// Authenticate (credential tiles, Add New Credential) → New source or New destination; and Runs.
import { useState } from 'react';
import type { ConnectorDetails } from '../api-types';
import { Authenticate } from './Authenticate';
import { ConnectorTiles } from './ConnectorTiles';
import { DestinationSetup } from './DestinationSetup';
import { Runs } from './Runs';
import { SourceSetup } from './SourceSetup';

export type Kind = 'source' | 'destination';
type View = { page: 'home' } | { page: 'flow'; kind: Kind; n: number } | { page: 'runs'; n: number };

export function App() {
  const [view, setView] = useState<View>({ page: 'home' });
  // A fresh key per visit: choosing "New source" again starts the flow over.
  const go = (next: View) => setView(next);
  return (
    <>
      <header className="top">
        <h1>Connector console</h1>
        <nav aria-label="Main">
          <button type="button" onClick={() => go({ page: 'flow', kind: 'source', n: Date.now() })}>
            New source
          </button>
          <button type="button" onClick={() => go({ page: 'flow', kind: 'destination', n: Date.now() })}>
            New destination
          </button>
          <button type="button" onClick={() => go({ page: 'runs', n: Date.now() })}>
            Runs
          </button>
        </nav>
      </header>
      <main>
        {view.page === 'home' && (
          <section className="panel">
            <h2>Welcome</h2>
            <p>
              Create a data source or a destination the way the runtime does: choose a connector, pick or add
              a credential, then configure it and run it. Runs started here are listed under Runs.
            </p>
          </section>
        )}
        {view.page === 'flow' && <Flow key={view.n} kind={view.kind} />}
        {view.page === 'runs' && <Runs key={view.n} />}
      </main>
    </>
  );
}

const STEPS = ['Choose a type', 'Authenticate', 'Configure'];

function Flow({ kind }: { kind: Kind }) {
  const [step, setStep] = useState(0);
  const [connector, setConnector] = useState<ConnectorDetails>();
  const [credential, setCredential] = useState<string>();
  const title = kind === 'source' ? 'New source' : 'New destination';
  return (
    <section className="flow" aria-labelledby="flow-title">
      <h2 id="flow-title">{title}</h2>
      <ol className="steps">
        {STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={i === step ? 'step' : undefined}
            className={i < step ? 'done' : undefined}
          >
            {i < step ? (
              <button type="button" className="link" onClick={() => setStep(i)}>
                {i + 1}. {s}
              </button>
            ) : (
              `${i + 1}. ${s}`
            )}
          </li>
        ))}
      </ol>
      {step === 0 && (
        <ConnectorTiles
          kind={kind}
          onPick={(c) => {
            setConnector(c);
            setStep(1);
          }}
        />
      )}
      {step === 1 && connector && (
        <Authenticate
          connector={connector}
          selected={credential}
          onSelect={setCredential}
          onContinue={() => setStep(2)}
          purpose={kind}
        />
      )}
      {step === 2 && connector && credential && kind === 'source' && (
        <SourceSetup connector={connector} credential={credential} />
      )}
      {step === 2 && connector && credential && kind === 'destination' && (
        <DestinationSetup connector={connector} credential={credential} />
      )}
    </section>
  );
}
