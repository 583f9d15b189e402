// What a route entry is: the spec operation it implements, who may call it, and a handler.
import type { IncidentStore } from '../incidents';
import type { SimDb } from '../resources/db';

export interface KeyRecord {
  key: string;
  /** Id of the key as an actor (creator.api_key.id). */
  id: string;
  name: string;
  roles: string[];
  teamRoles: string[];
}

export interface RouteContext {
  key: KeyRecord;
  params: Record<string, string>;
  /** The query after spec validation: integers coerced, spec defaults filled in. */
  query: Record<string, unknown>;
  body: unknown;
  store: IncidentStore;
  /** Every other resource: mutable collections (resources/collection.ts explains how to use them). */
  db: SimDb;
  /** Counts real creations in the stats (idempotent replays are not counted), e.g. 'follow_ups'. */
  created(kind: string): void;
}

export interface Endpoint {
  /** "METHOD /templated/path" exactly as in the spec's paths. */
  route: string;
  /** One of these account roles is needed; 'any' = any role at all; 'none' = any valid key. */
  roles: 'none' | 'any' | readonly string[];
  /**
   * How the caller authenticates: an API key (default), or the secret token of the alert source named
   * by the `alert_source_config_id` path parameter (alert events), sent as a Bearer token or `?token=`.
   */
  auth?: 'api_key' | 'alert_source_token';
  handle(ctx: RouteContext): unknown;
}
