import type { ReactNode } from 'react';

/** A message for the user: errors and warnings are alerts (announced at once), the rest a status. */
export function Notice({ kind, children }: { kind: 'ok' | 'warning' | 'error'; children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role={kind === 'ok' ? 'status' : 'alert'}>
      {children}
    </div>
  );
}
