// What a route entry is: the spec operation it implements, who may call it, and a handler.
import type { IncidentStore } from '../incidents';

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
  /** Counts real creations in the stats (idempotent replays are not counted). */
  created(kind: 'incidents'): void;
}

export interface Endpoint {
  /** "METHOD /templated/path" exactly as in the spec's paths. */
  route: string;
  /** One of these account roles is needed; 'any' = any role at all; 'none' = any valid key. */
  roles: 'none' | 'any' | readonly string[];
  /** A page_size maximum tighter than the spec schema's (some are only stated in descriptions). */
  maxPageSize?: number;
  handle(ctx: RouteContext): unknown;
}
