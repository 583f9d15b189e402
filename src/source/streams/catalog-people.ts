// Catalog, people and status pages.
import { BY_ID, FULL, FULL_AND_INCREMENTAL } from './shared';
import type { StreamDefinition } from './types';

// Spec: GET /v3/catalog_types (Catalog V3#ListTypes)
export const catalogTypes: StreamDefinition = {
  name: 'catalog_types',
  description: 'Catalog types with their schemas.',
  docs: 'https://docs.incident.io/api-reference/catalog-v3/list-types',
  path: '/v3/catalog_types',
  recordsField: 'catalog_types',
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v3/catalog_resources (Catalog V3#ListResources)
export const catalogResources: StreamDefinition = {
  name: 'catalog_resources',
  description: 'Types a catalog attribute can hold.',
  docs: 'https://docs.incident.io/api-reference/catalog-v3/list-resources',
  path: '/v3/catalog_resources',
  recordsField: 'resources',
  primaryKey: [['type']],
  syncModes: FULL,
};

// Spec: GET /v3/catalog_entries (Catalog V3#ListEntries) — catalog_type_id required, no time filter:
// incremental reads every type's entries and keeps those updated since the cursor (an entry's change
// does not move its type's updated_at).
export const catalogEntries: StreamDefinition = {
  name: 'catalog_entries',
  description: 'Catalog entries, per catalog type.',
  docs: 'https://docs.incident.io/api-reference/catalog-v3/list-entries',
  path: '/v3/catalog_entries',
  recordsField: 'catalog_entries',
  pageSize: 250,
  parent: { stream: 'catalog_types', param: 'catalog_type_id', ownCursor: true },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/users (Users V2#List) — inactive users are hidden unless asked for.
export const users: StreamDefinition = {
  name: 'users',
  description: 'Users, including inactive ones.',
  docs: 'https://docs.incident.io/api-reference/users-v2/list',
  path: '/v2/users',
  recordsField: 'users',
  pageSize: 1000,
  query: { include_inactive: 'true' },
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v3/teams (Teams V3#List)
export const teams: StreamDefinition = {
  name: 'teams',
  description: 'Teams.',
  docs: 'https://docs.incident.io/api-reference/teams-v3/list',
  path: '/v3/teams',
  recordsField: 'teams',
  pageSize: 250,
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/status_pages (Status Pages V2#ListStatusPages)
export const statusPages: StreamDefinition = {
  name: 'status_pages',
  description: 'Status pages.',
  docs: 'https://docs.incident.io/api-reference/status-pages-v2/list-status-pages',
  path: '/v2/status_pages',
  recordsField: 'status_pages',
  pageSize: 250,
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/status_page_incidents (Status Pages V2#ListStatusPageIncidents)
export const statusPageIncidents: StreamDefinition = {
  name: 'status_page_incidents',
  description: 'Incidents published on status pages, per status page.',
  docs: 'https://docs.incident.io/api-reference/status-pages-v2/list-status-page-incidents',
  path: '/v2/status_page_incidents',
  recordsField: 'status_page_incidents',
  pageSize: 250,
  parent: { stream: 'status_pages', param: 'status_page_id' },
  primaryKey: BY_ID,
  syncModes: FULL,
};

export const CATALOG_PEOPLE_STATUS_STREAMS = [
  catalogTypes,
  catalogResources,
  catalogEntries,
  users,
  teams,
  statusPages,
  statusPageIncidents,
];
