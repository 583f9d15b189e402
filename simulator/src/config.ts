// The organisation's fixed configuration: severities, statuses (one or more per category), incident
// types, roles, custom fields, timestamps and a small user pool. Ids are fixed (not seed-dependent),
// so fixtures may name them; incident data varies with the seed.
import { hashString, makeId } from './ids';

const CONFIG_TAG = hashString('config');
const CONFIG_BASE_MS = Date.UTC(2023, 0, 10, 9, 0, 0);
let nextConfigIndex = 0;
function configId(): string {
  const i = nextConfigIndex++;
  return makeId(CONFIG_BASE_MS + i * 60_000, CONFIG_TAG, i);
}
const CONFIG_CREATED = '2023-01-10T09:00:00Z';
const CONFIG_UPDATED = '2024-03-02T14:21:07.512000Z';
const stamps = { created_at: CONFIG_CREATED, updated_at: CONFIG_UPDATED };

export const SEVERITIES = [
  { name: 'Minor', rank: 1, description: 'Issues with **low impact**: degraded but working.' },
  { name: 'Major', rank: 2, description: 'Issues causing **significant impact** to some customers.' },
  { name: 'Critical', rank: 3, description: 'Issues causing **very high impact** to most customers.' },
].map((s) => ({ id: configId(), ...s, ...stamps }));

const STATUS_ROWS = [
  ['Triage', 'triage', 'We are working out whether this is an incident.'],
  ['Investigating', 'live', 'We are investigating the **cause** of the problem.'],
  ['Fixing', 'live', 'We know what is wrong and are **fixing** it.'],
  ['Monitoring', 'live', 'A fix is deployed and we are **monitoring** it.'],
  ['Documenting', 'learning', 'Impact is mitigated; we are writing up what we learned.'],
  ['Paused', 'paused', 'Work on this incident is paused.'],
  ['Closed', 'closed', 'Impact has been **fully mitigated** and follow-ups are tracked.'],
  ['Declined', 'declined', 'This was triaged and declined: not an incident.'],
  ['Canceled', 'canceled', 'This incident was opened by mistake and canceled.'],
  ['Merged', 'merged', 'This incident was merged into another incident.'],
] as const;
export type StatusCategory = (typeof STATUS_ROWS)[number][1];
/** Every status category, in the order of the statuses (triage first, merged last). */
export const STATUS_CATEGORIES: readonly StatusCategory[] = [...new Set(STATUS_ROWS.map((row) => row[1]))];

export const STATUSES = STATUS_ROWS.map(([name, category, description], rank) => ({
  id: configId(),
  name,
  description,
  rank: rank + 1,
  category: category as StatusCategory,
  ...stamps,
}));

export const INCIDENT_TYPES = [
  {
    name: 'Default',
    description: 'Anything that is not covered by another type.',
    is_default: true,
    triage: 'optional',
  },
  {
    name: 'Security',
    description: 'Security incidents, handled privately.',
    is_default: false,
    triage: 'always',
  },
  {
    name: 'Customer-facing',
    description: 'Customer facing production outages.',
    is_default: false,
    triage: 'optional',
  },
].map((t) => ({
  id: configId(),
  name: t.name,
  description: t.description,
  is_default: t.is_default,
  private_incidents_only: false,
  create_in_triage: t.triage as 'always' | 'optional',
  ...stamps,
}));

export const INCIDENT_ROLES = [
  {
    name: 'Incident Lead',
    shortform: 'lead',
    role_type: 'lead',
    description: 'The person currently coordinating the incident',
    instructions: 'Take point on the incident; make sure people are clear on responsibilities',
    required: true,
  },
  {
    name: 'Reporter',
    shortform: 'reporter',
    role_type: 'reporter',
    description: 'The person who reported the incident',
    instructions: 'Share what you saw with the incident lead',
    required: false,
  },
].map((r) => ({ id: configId(), ...r, ...stamps }));

export type CustomFieldType = 'single_select' | 'multi_select' | 'text' | 'link' | 'numeric';
export interface ConfigCustomFieldOption {
  id: string;
  custom_field_id: string;
  value: string;
  sort_key: number;
}
export interface ConfigCustomField {
  id: string;
  name: string;
  description: string;
  field_type: CustomFieldType;
  options: ConfigCustomFieldOption[];
  /** Catalog-backed select fields: the catalog type their values are entries of. */
  catalog_type_id?: string;
}

const TEAM_FIELD_ID = configId();
// Indexes are relied on: 0 Affected Team (single select), 1 Customer Impact (text); the ones appended
// at the end of this file (so that every id above stays as it was) follow: see CF below.
export const CUSTOM_FIELDS: ConfigCustomField[] = [
  {
    id: TEAM_FIELD_ID,
    name: 'Affected Team',
    description: 'Which team is impacted by this issue',
    field_type: 'single_select',
    options: ['Payments', 'Platform', 'Product', 'Mobile', 'Data'].map((value, i) => ({
      id: configId(),
      custom_field_id: TEAM_FIELD_ID,
      value,
      sort_key: (i + 1) * 10,
    })),
  },
  {
    id: configId(),
    name: 'Customer Impact',
    description: 'What customers experienced',
    field_type: 'text',
    options: [],
  },
];

export const INCIDENT_TIMESTAMPS = [
  { id: configId(), name: 'Reported at', rank: 1 },
  { id: configId(), name: 'Impact started', rank: 2 },
];

export const DURATION_METRICS = [{ id: configId(), name: 'Lasted' }];

const PEOPLE = [
  ['Lisa Karlin Curtis', 'owner'],
  ['Stephen Whitworth', 'administrator'],
  ['Pete Hamilton', 'administrator'],
  ['Chris Evans', 'responder'],
  ['Rory Malcolm', 'responder'],
  ['Martha Lambert', 'responder'],
  ['Lawrence Jones', 'responder'],
  ['Isaac Seymour', 'responder'],
  ['Milly Leadley', 'responder'],
  ['Sam Starling', 'viewer'],
  ['Ana Ribeiro', 'viewer'],
  ['Kenji Watanabe', 'responder'],
] as const;

export const USERS = PEOPLE.map(([name, role], i) => ({
  id: configId(),
  name,
  email: `${name.toLowerCase().replace(/ /g, '.')}@example.com`,
  role,
  slack_user_id: `U0SIM${String(i + 1).padStart(5, '0')}`,
}));

export const WORKFLOWS = [
  { id: configId(), name: 'Declare incident from alert' },
  { id: configId(), name: 'Escalate critical incidents' },
];

export const SLACK_TEAM_ID = 'T0SIMULATE';
export const DASHBOARD_URL = 'https://app.incident.io/simulated-org';

// ---- Added after every id above, so that those stay what they were. ----

/** Catalog types with fixed ids (entries of Service and Team are partly fixed too, see below). */
export const CATALOG_TYPE_IDS = {
  service: configId(),
  team: configId(),
  customer: configId(),
  feature: configId(),
  region: configId(),
};

/** The first Service catalog entries: fixed, so incidents' catalog-backed custom field can name them. */
export const SERVICE_ENTRIES = [
  'Checkout API',
  'Payments gateway',
  'Login service',
  'Search cluster',
  'Primary Postgres',
  'Kafka brokers',
  'Mobile push',
  'CDN edge',
  'Billing worker',
  'Webhook delivery',
].map((name, i) => ({
  id: configId(),
  name,
  external_id: `svc-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
  aliases: [name.split(' ')[0].toLowerCase()],
  rank: i + 1,
}));

function selectOptions(fieldId: string, values: string[]): ConfigCustomFieldOption[] {
  return values.map((value, i) => ({
    id: configId(),
    custom_field_id: fieldId,
    value,
    sort_key: (i + 1) * 10,
  }));
}

const SERVICES_FIELD_ID = configId();
CUSTOM_FIELDS.push(
  {
    id: SERVICES_FIELD_ID,
    name: 'Affected Components',
    description: 'Which parts of the product were affected',
    field_type: 'multi_select',
    options: selectOptions(SERVICES_FIELD_ID, ['API', 'Dashboard', 'Mobile app', 'Webhooks', 'Exports']),
  },
  {
    id: configId(),
    name: 'Revenue at risk',
    description: 'Estimated revenue at risk, in USD',
    field_type: 'numeric',
    options: [],
  },
  {
    id: configId(),
    name: 'Runbook',
    description: 'The runbook followed during the incident',
    field_type: 'link',
    options: [],
  },
  {
    id: configId(),
    name: 'Service',
    description: 'The service at the heart of the incident',
    field_type: 'single_select',
    options: [],
    catalog_type_id: CATALOG_TYPE_IDS.service,
  }
);

/** Positions in CUSTOM_FIELDS. */
export const CF = { team: 0, impact: 1, components: 2, revenue: 3, runbook: 4, service: 5 } as const;

export const FOLLOW_UP_PRIORITIES = [
  { name: 'Low', description: 'Do it when convenient', rank: 1 },
  { name: 'Medium', description: 'Do it this quarter', rank: 2 },
  { name: 'High', description: 'Do it this sprint', rank: 3 },
].map((p) => ({ id: configId(), ...p }));

export const RBAC_ROLES = {
  owner: { id: configId(), name: 'Owner', slug: 'owner', description: 'Full access, including billing' },
  administrator: { id: configId(), name: 'Admin', slug: 'administrator', description: 'Manage settings' },
  responder: { id: configId(), name: 'Responder', slug: 'responder', description: 'Respond to incidents' },
  viewer: { id: configId(), name: 'Viewer', slug: 'viewer', description: 'Read-only access' },
  unset: { id: configId(), name: 'Unset', slug: 'unset', description: 'No role yet' },
};
export const CUSTOM_RBAC_ROLE = {
  id: configId(),
  name: 'Security responder',
  slug: 'security-responder',
  description: 'Sees private security incidents',
};
