// The webhook source's settings, in a leaf module: the source config names them without importing
// the source itself (which reads through the config).

export interface WebhookSettings {
  /** Folder of the event and record logs (one per source: two sources must not share one). */
  log_dir: string;
  port: number;
  host: string;
  path: string;
  /** Minutes between reconciliation polls; 0 turns them off. */
  reconcile_minutes: number;
}

export const WEBHOOK_DEFAULTS: Omit<WebhookSettings, 'log_dir'> = {
  port: 8787,
  host: '127.0.0.1',
  path: '/',
  reconcile_minutes: 15,
};
