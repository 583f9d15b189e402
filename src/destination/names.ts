// Names → ids for the things a person writes by name (severity "Major", status "Investigating"). Each
// list is read once per run, on first use, and shared by every record of the run.
import { BadRecordError } from '../errors';
import type { IncidentIoClient } from '../http/client';

interface Named {
  id: string;
  name: string;
}

export interface NamedList {
  /** Human label used in messages, e.g. "severity". */
  label: string;
  path: string;
  recordsField: string;
}

// Spec: GET /v1/severities (Severities V1#List)
export const SEVERITIES: NamedList = {
  label: 'severity',
  path: '/v1/severities',
  recordsField: 'severities',
};
// Spec: GET /v1/incident_statuses (Incident Statuses V1#List)
export const INCIDENT_STATUSES: NamedList = {
  label: 'incident status',
  path: '/v1/incident_statuses',
  recordsField: 'incident_statuses',
};
// Spec: GET /v1/incident_types (Incident Types V1#List)
export const INCIDENT_TYPES: NamedList = {
  label: 'incident type',
  path: '/v1/incident_types',
  recordsField: 'incident_types',
};

const normalise = (s: string) => s.trim().toLowerCase();

export class NameResolver {
  private readonly lists = new Map<string, Promise<Named[]>>();
  constructor(private readonly client: IncidentIoClient) {}

  /** The id for `value` (an id or a name, case-insensitive); a BadRecordError naming `field` if unknown. */
  async resolve(list: NamedList, value: string, field: string): Promise<string> {
    const items = await this.load(list);
    const byId = items.find((i) => i.id === value);
    if (byId) return byId.id;
    const matches = items.filter((i) => normalise(i.name) === normalise(value));
    if (matches.length === 1) return matches[0].id;
    const valid = items.map((i) => i.name).join(', ');
    const reason =
      matches.length > 1
        ? `"${value}" matches several ${list.label} names; use the id instead`
        : `"${value}" is not a known ${list.label}; valid names: ${valid}`;
    throw new BadRecordError([{ field, reason }]);
  }

  private load(list: NamedList): Promise<Named[]> {
    let p = this.lists.get(list.path);
    if (!p) {
      p = this.client.get<Record<string, Named[]>>(list.path).then((r) => r.data[list.recordsField] ?? []);
      // A failed read is not cached: the next record may try again.
      p.catch(() => this.lists.delete(list.path));
      this.lists.set(list.path, p);
    }
    return p;
  }
}
