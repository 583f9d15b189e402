// API keys the simulator accepts. Roles are checked against the spec's IdentityV1 enums, so a test
// cannot invent a role that the identity response would then fail to validate with.
import { hashString, makeId, mix, mulberry32, hex } from './ids';
import type { KeyRecord } from './routes/types';
import type { Spec } from './spec';

export interface SimKey {
  key: string;
  name?: string;
  roles?: string[];
  teamRoles?: string[];
}

export const DEFAULT_ROLES = [
  'viewer',
  'incident_creator',
  'incident_editor',
  'global_access',
  'catalog_editor',
  'manage_settings',
];

const KEY_TAG = hashString('api-key');
const KEY_CREATED_MS = Date.UTC(2024, 0, 15, 12, 0, 0);

/** "inc_sim_" + 48 hex chars, the same for the same seed. */
export function defaultApiKey(seed: number): string {
  return 'inc_sim_' + hex(mulberry32(mix(seed, KEY_TAG)), 48);
}

export class KeyRing {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly roleEnum: Set<string>;
  private readonly teamRoleEnum: Set<string>;

  constructor(spec: Spec) {
    this.roleEnum = new Set(spec.enumOf('IdentityV1', 'roles'));
    this.teamRoleEnum = new Set(spec.enumOf('IdentityV1', 'team_roles'));
  }

  add(k: SimKey): void {
    if (!k || typeof k.key !== 'string' || k.key.trim() === '')
      throw new TypeError('a key needs a non-empty `key`');
    const roles = k.roles ?? [];
    const teamRoles = k.teamRoles ?? [];
    const bad = [
      ...roles.filter((r) => !this.roleEnum.has(r)),
      ...teamRoles.filter((r) => !this.teamRoleEnum.has(r)).map((r) => `team:${r}`),
    ];
    if (bad.length > 0) throw new TypeError(`unknown role(s) for the spec's IdentityV1: ${bad.join(', ')}`);
    this.keys.set(k.key, {
      key: k.key,
      id: makeId(KEY_CREATED_MS, KEY_TAG, hashString(k.key)),
      name: k.name ?? 'Simulator key',
      roles: [...roles],
      teamRoles: [...teamRoles],
    });
  }

  /** A revoked key is forgotten: it then gets the same 401 as a key that never existed. */
  revoke(key: string): void {
    this.keys.delete(key);
  }

  get(key: string): KeyRecord | undefined {
    return this.keys.get(key);
  }
}
