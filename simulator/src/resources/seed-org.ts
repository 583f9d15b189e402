// Seeds the organisation: users (some inactive), teams, the catalog (types, entries, resources), the
// configuration lists (severities, statuses, types, roles, timestamps, custom fields and options,
// workflows) and status pages with their incidents.
import {
  CATALOG_TYPE_IDS,
  CUSTOM_FIELDS,
  CUSTOM_RBAC_ROLE,
  INCIDENT_ROLES,
  INCIDENT_TIMESTAMPS,
  INCIDENT_TYPES,
  RBAC_ROLES,
  SERVICE_ENTRIES,
  SEVERITIES,
  STATUSES,
  USERS,
  WORKFLOWS,
} from '../config';
import type { Rng } from '../ids';
import type { SimDb } from './db';
import {
  DAY_US,
  FIRST_NAMES,
  HOUR_US,
  LAST_NAMES,
  SEED_START_US,
  between,
  int,
  iso,
  rngFor,
  sample,
  stamp,
  userV3,
} from './seed-util';
import type { CatalogEntryRec, CatalogTypeRec, UserRec } from './types';

const CONFIG_CREATED = SEVERITIES[0].created_at;
const CONFIG_UPDATED = SEVERITIES[0].updated_at;
/** Catalog and org objects were set up in the first months of the data. */
const ORG_START_US = SEED_START_US + 30 * DAY_US;

export function seedOrganisation(db: SimDb): void {
  seedConfiguration(db);
  seedUsers(db);
  seedCatalog(db);
  seedWorkflows(db);
  seedStatusPages(db);
}

function seedConfiguration(db: SimDb): void {
  for (const s of SEVERITIES) db.severities.insert(structuredClone(s));
  for (const s of STATUSES) db.incident_statuses.insert(structuredClone(s));
  for (const t of INCIDENT_TYPES) db.incident_types.insert(structuredClone(t));
  // IncidentRoleV2 has no `required` (EmbeddedIncidentRoleV2, on incidents, does).
  for (const { required: _required, ...r } of INCIDENT_ROLES) db.incident_roles.insert(structuredClone(r));
  for (const t of INCIDENT_TIMESTAMPS) db.incident_timestamps.insert(structuredClone(t));
  for (const f of CUSTOM_FIELDS) {
    db.custom_fields.insert({
      id: f.id,
      name: f.name,
      description: f.description,
      field_type: f.field_type,
      ...(f.catalog_type_id !== undefined && { catalog_type_id: f.catalog_type_id }),
      created_at: CONFIG_CREATED,
      updated_at: CONFIG_UPDATED,
    });
    for (const o of f.options) db.custom_field_options.insert({ ...o });
  }
}

const BASE_ROLE: Record<string, keyof typeof RBAC_ROLES> = {
  owner: 'owner',
  administrator: 'administrator',
  responder: 'responder',
  viewer: 'viewer',
  unset: 'unset',
};

function seedUsers(db: SimDb): void {
  const rng = rngFor(db.seed, 'users');
  interface Person {
    id: string;
    name: string;
    email?: string;
    role: string;
    slack_user_id?: string;
    is_active: boolean;
  }
  const user = (u: Person, r: Rng): UserRec => ({
    ...u,
    base_role: RBAC_ROLES[BASE_ROLE[u.role] ?? 'unset'],
    custom_roles: r() < 0.1 ? [CUSTOM_RBAC_ROLE] : [],
    seats: {
      on_call: !u.is_active
        ? 'none'
        : u.role === 'viewer'
          ? 'viewer_only'
          : r() < 0.6
            ? 'full_access'
            : 'none',
      response: !u.is_active ? 'none' : u.role === 'viewer' ? 'viewer_only' : 'full_access',
    },
  });
  for (const u of USERS) db.users.insert(user({ ...u, is_active: true }, rng));
  const extra = Math.max(0, db.counts.users - USERS.length);
  const inactive = Math.min(db.counts.inactiveUsers, extra);
  for (let k = 0; k < extra; k++) {
    const first = FIRST_NAMES[k % FIRST_NAMES.length];
    const last = LAST_NAMES[Math.floor(k / FIRST_NAMES.length + k) % LAST_NAMES.length];
    const n = USERS.length + k + 1;
    const name = `${first} ${last}${k >= FIRST_NAMES.length * LAST_NAMES.length ? ` ${k}` : ''}`;
    // The inactive ones are spread out, so a page of any size may hold some.
    const step = inactive > 0 ? Math.max(1, Math.floor(extra / inactive)) : 0;
    const isActive = !(step > 0 && k % step === step - 1 && Math.floor(k / step) < inactive);
    const createdMs = Math.floor(between(rng, ORG_START_US, SEED_START_US + 800 * DAY_US) / 1000);
    db.users.insert(
      user(
        {
          id: db.newId('users', createdMs),
          name,
          email: `${name.toLowerCase().replace(/ /g, '.')}@example.com`,
          role: rng() < 0.75 ? 'responder' : 'viewer',
          ...(rng() < 0.9 && { slack_user_id: `U0SIM${String(n).padStart(5, '0')}` }),
          is_active: isActive,
        },
        rng
      )
    );
  }
}

const TEAM_NAMES = [
  'Payments',
  'Platform',
  'Product',
  'Mobile',
  'Data',
  'Security',
  'Growth',
  'SRE',
  'Billing',
];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-central-1'];
const FEATURES = ['Checkout', 'Search', 'Notifications', 'Reporting', 'Onboarding', 'Billing portal'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne'];
const SERVICE_WORDS = ['ledger', 'router', 'indexer', 'gateway', 'scheduler', 'renderer', 'mailer', 'cache'];

interface TypeSpec {
  id: string;
  name: string;
  description: string;
  categories: string[];
  color: string;
  icon: string;
  ranked?: boolean;
  isTeam?: boolean;
  attributes: { name: string; type: string; array?: boolean }[];
}

function catalogType(db: SimDb, spec: TypeSpec, createdUs: number): CatalogTypeRec {
  const typeName = `Custom["${spec.name.replace(/[^A-Za-z0-9]/g, '')}"]`;
  return {
    id: spec.id,
    name: spec.name,
    type_name: typeName,
    description: spec.description,
    categories: spec.categories,
    color: spec.color,
    icon: spec.icon,
    annotations: { 'incident.io/catalog-importer/id': 'sim-catalog' },
    engine_resource_type: `CatalogEntry["${spec.id}"]`,
    is_editable: true,
    ranked: spec.ranked ?? false,
    use_name_as_identifier: false,
    ...(spec.isTeam && { is_team_type: true }),
    schema: {
      version: 1,
      attributes: spec.attributes.map((a) => ({
        id: db.newId('catalog_attributes', Math.floor(createdUs / 1000)),
        name: a.name,
        type: a.type,
        array: a.array ?? false,
        mode: 'api',
      })),
    },
    created_at: iso(createdUs),
    updated_at: iso(createdUs + 40 * DAY_US),
  };
}

function seedCatalog(db: SimDb): void {
  const rng = rngFor(db.seed, 'catalog');
  const specs: TypeSpec[] = [
    {
      id: CATALOG_TYPE_IDS.team,
      name: 'Team',
      description: 'Teams of the organisation',
      categories: ['team'],
      color: 'blue',
      icon: 'users',
      isTeam: true,
      attributes: [
        { name: 'Slack channel', type: 'String' },
        { name: 'Members', type: 'User', array: true },
      ],
    },
    {
      id: CATALOG_TYPE_IDS.service,
      name: 'Service',
      description: 'Services we run in production',
      categories: ['service'],
      color: 'green',
      icon: 'server',
      ranked: true,
      attributes: [
        { name: 'Owner', type: `CatalogEntry["${CATALOG_TYPE_IDS.team}"]` },
        { name: 'Tier', type: 'Number' },
        { name: 'Tags', type: 'String', array: true },
      ],
    },
    {
      id: CATALOG_TYPE_IDS.customer,
      name: 'Customer',
      description: 'Our largest customers',
      categories: ['customer'],
      color: 'violet',
      icon: 'briefcase',
      attributes: [
        { name: 'Plan', type: 'String' },
        { name: 'Annual revenue', type: 'Number' },
      ],
    },
    {
      id: CATALOG_TYPE_IDS.region,
      name: 'Region',
      description: 'Cloud regions we deploy to',
      categories: [],
      color: 'cyan',
      icon: 'globe',
      attributes: [{ name: 'Provider', type: 'String' }],
    },
  ];
  if (db.counts.services > 100) {
    specs.push({
      id: CATALOG_TYPE_IDS.feature,
      name: 'Product feature',
      description: 'Features customers see',
      categories: ['product-feature'],
      color: 'orange',
      icon: 'star',
      attributes: [{ name: 'Owner', type: `CatalogEntry["${CATALOG_TYPE_IDS.team}"]` }],
    });
  }
  const types = specs.map((spec, k) =>
    db.catalog_types.insert(catalogType(db, spec, ORG_START_US + k * DAY_US))
  );
  const attr = (t: CatalogTypeRec, name: string): string =>
    t.schema.attributes.find((a) => a.name === name)!.id;
  const literal = (v: string | number, label = String(v)) => ({ value: { label, literal: String(v) } });
  let clockUs = ORG_START_US + 10 * DAY_US;
  const entry = (
    t: CatalogTypeRec,
    name: string,
    values: Record<string, unknown>,
    extra: Partial<CatalogEntryRec> = {},
    rank = 0
  ): CatalogEntryRec => {
    clockUs += between(rng, HOUR_US, 3 * DAY_US);
    const createdUs = stamp(rng, clockUs);
    return db.catalog_entries.insert({
      id: extra.id ?? db.newId('catalog_entries', Math.floor(createdUs / 1000)),
      catalog_type_id: t.id,
      name,
      aliases: [],
      attribute_values: values,
      rank,
      created_at: iso(createdUs),
      updated_at: iso(stamp(rng, createdUs + between(rng, 0, 200 * DAY_US))),
      ...extra,
    });
  };

  // Teams are the entries of the Team type: one id for both.
  const [teamType, serviceType, customerType, regionType, featureType] = types;
  const users = db.users.filter((u) => u.is_active);
  const teamNames = TEAM_NAMES.slice(0, Math.min(db.counts.teams, TEAM_NAMES.length));
  const teamEntries = teamNames.map((name) => {
    const members = sample(rng, users, int(rng, 2, 6));
    const e = entry(
      teamType,
      name,
      {
        [attr(teamType, 'Slack channel')]: literal(`#team-${name.toLowerCase()}`),
        [attr(teamType, 'Members')]: { array_value: members.map((m) => ({ label: m.name, literal: m.id })) },
      },
      { external_id: `team-${name.toLowerCase()}`, aliases: [name.toLowerCase()] }
    );
    db.teams.insert({
      id: e.id,
      name,
      members: members.map(userV3),
      catalog_entry: { id: e.id, name, external_id: `team-${name.toLowerCase()}` },
    });
    return e;
  });
  const owner = (r: Rng) => {
    const t = teamEntries[Math.floor(r() * teamEntries.length)];
    return { value: { label: t.name, literal: t.id } };
  };
  for (let k = 0; k < Math.max(db.counts.services, SERVICE_ENTRIES.length); k++) {
    const fixed = SERVICE_ENTRIES[k];
    const name =
      fixed?.name ?? `${SERVICE_WORDS[k % SERVICE_WORDS.length]}-${Math.floor(k / SERVICE_WORDS.length)}`;
    const tags = sample(rng, ['critical', 'pci', 'customer-facing', 'internal', 'batch'], int(rng, 0, 2));
    entry(
      serviceType,
      name,
      {
        [attr(serviceType, 'Owner')]: owner(rng),
        [attr(serviceType, 'Tier')]: literal(int(rng, 1, 3)),
        [attr(serviceType, 'Tags')]: { array_value: tags.map((t) => ({ label: t, literal: t })) },
      },
      fixed
        ? { id: fixed.id, external_id: fixed.external_id, aliases: fixed.aliases }
        : { external_id: `svc-${name}`, aliases: [] },
      k + 1
    );
  }
  for (let k = 0; k < db.counts.customers; k++) {
    const name = `${COMPANIES[k % COMPANIES.length]}${k >= COMPANIES.length ? ` ${Math.floor(k / COMPANIES.length) + 1}` : ''}`;
    entry(customerType, name, {
      [attr(customerType, 'Plan')]: literal(rng() < 0.3 ? 'enterprise' : 'pro'),
      [attr(customerType, 'Annual revenue')]: literal(int(rng, 10, 900) * 1000),
    });
  }
  for (const name of REGIONS) {
    entry(regionType, name, { [attr(regionType, 'Provider')]: literal('aws', 'AWS') }, { external_id: name });
  }
  if (featureType) {
    for (const name of FEATURES) entry(featureType, name, { [attr(featureType, 'Owner')]: owner(rng) });
  }

  const resource = (type: string, label: string, category: string, description: string, doc: string) => ({
    id: type,
    type,
    label,
    category,
    description,
    engine_resource_type: type,
    value_docstring: doc,
  });
  for (const r of [
    resource('String', 'String', 'primitive', 'A short piece of text', 'Any text, e.g. "eu-west-1"'),
    resource('Text', 'Rich text', 'primitive', 'Formatted text', 'Markdown'),
    resource('Number', 'Number', 'primitive', 'A number', 'An integer or decimal, e.g. 3'),
    resource('Bool', 'Boolean', 'primitive', 'True or false', 'true or false'),
    resource('User', 'User', 'external', 'An incident.io user', 'A user ID, email or Slack user ID'),
    resource('SlackChannel', 'Slack channel', 'external', 'A Slack channel', 'A Slack channel ID'),
  ]) {
    db.catalog_resources.insert(r);
  }
  for (const t of types) {
    db.catalog_resources.insert({
      ...resource(t.type_name, t.name, 'custom', String(t.description), `The ID or name of a ${t.name}`),
      engine_resource_type: `CatalogEntry["${t.id}"]`,
    });
  }
}

const STEP_NAMES = [
  ['slack.post_message', 'Send a Slack message'],
  ['incident.update_severity', 'Set the severity'],
  ['pagerduty.escalate', 'Escalate to PagerDuty'],
  ['incident.assign_role', 'Assign a role'],
];

function seedWorkflows(db: SimDb): void {
  const rng = rngFor(db.seed, 'workflows');
  const names = [
    ...WORKFLOWS.map((w) => ({ id: w.id, name: w.name })),
    ...[
      'Notify #exec of critical incidents',
      'Create follow-up for postmortem',
      'Page security',
      'Nudge for updates',
    ].map((name) => ({ id: '', name })),
  ].slice(0, Math.max(db.counts.workflows, WORKFLOWS.length));
  names.forEach(({ id, name }, k) => {
    const steps = sample(rng, STEP_NAMES, int(rng, 1, 3)).map(([n, label]) => ({ name: n, label }));
    db.workflows.insert({
      id: id || db.newId('workflows', Math.floor((ORG_START_US + k * 7 * DAY_US) / 1000)),
      name,
      folder: k % 2 === 0 ? 'Incident response' : 'Post-incident',
      shortform: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      trigger: { name: 'incident.updated', label: 'Incident updated' },
      condition_groups: [
        {
          conditions: [
            {
              subject: { label: 'Incident → Severity', reference: 'incident.severity' },
              operation: { label: 'is one of', value: 'one_of' },
              param_bindings: [{ array_value: [{ label: SEVERITIES[2].name, literal: SEVERITIES[2].id }] }],
            },
          ],
        },
      ],
      expressions: [],
      steps,
      once_for: [{ array: false, key: 'incident', label: 'Incident', type: 'IncidentEngine' }],
      continue_on_step_error: rng() < 0.5,
      include_private_incidents: rng() < 0.3,
      include_private_escalations: false,
      private_incident_scope: 'none',
      runs_on_incident_modes: ['standard', 'retrospective'],
      runs_on_incidents: rng() < 0.5 ? 'newly_created' : 'newly_created_and_active',
      state: k === names.length - 1 && k > 2 ? 'disabled' : 'active',
      version: int(rng, 1, 9),
    });
  });
}

const SPI_NAMES = ['Degraded API performance', 'Dashboard unavailable', 'Delayed webhooks', 'Login errors'];

function seedStatusPages(db: SimDb): void {
  const rng = rngFor(db.seed, 'status-pages');
  const pages = ['Acme status', 'Acme internal status', 'Acme EU status'].slice(0, db.counts.statusPages);
  pages.forEach((name, k) => {
    const page = db.status_pages.insert({
      id: db.newId('status_pages', Math.floor((ORG_START_US + k * DAY_US) / 1000)),
      name,
      description: `${name}: live and past incidents`,
      public_url: `https://status.example.com/${name.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    });
    const components = [0, 1, 2].map((c) =>
      db.newId('status_page_components', Math.floor(ORG_START_US / 1000) + c)
    );
    const n = db.counts.statusPageIncidentsPerPage;
    for (let j = 0; j < n; j++) {
      const startUs = stamp(
        rng,
        SEED_START_US + ((j + 0.5 + rng() * 0.4) / n) * (3 * 365 - 40) * DAY_US + 40 * DAY_US
      );
      const id = db.newId('status_page_incidents', Math.floor(startUs / 1000));
      const component = components[Math.floor(rng() * components.length)];
      const impact = rng() < 0.3 ? 'full_outage' : rng() < 0.5 ? 'partial_outage' : 'degraded_performance';
      const endUs = startUs + between(rng, HOUR_US / 2, 6 * HOUR_US);
      const statuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
      const updates = statuses.slice(0, j === n - 1 ? 2 : 4).map((s, u) => ({
        id: db.newId('status_page_incident_updates', Math.floor(startUs / 1000) + u),
        status_page_incident_id: id,
        incident_status: s,
        message: s === 'resolved' ? 'This incident is resolved.' : `Status: ${s}.`,
        published_at: iso(startUs + u * HOUR_US),
        component_statuses: [
          { component_id: component, component_status: s === 'resolved' ? 'operational' : impact },
        ],
      }));
      const last = updates[updates.length - 1];
      db.status_page_incidents.insert({
        id,
        status_page_id: page.id,
        name: SPI_NAMES[j % SPI_NAMES.length],
        incident_status: last.incident_status,
        published_at: iso(startUs),
        component_impacts: [
          {
            component_id: component,
            component_status: impact,
            start_at: iso(startUs),
            ...(last.incident_status === 'resolved' && { end_at: iso(endUs) }),
          },
        ],
        updates,
      });
    }
  });
}
