// authenticate(): one GET /v1/identity (any valid key may call it, spec `GET /v1/identity`). A bad key, a
// missing permission or an unreachable host is a ProbeResult value, never a throw.
import type { ConnectorContext, Credential, Identity, ProbeOptions, ProbeResult } from './contract';
import { ApiError, ConfigError, ConnectorError, TransportError } from './errors';
import { IncidentIoClient } from './http/client';
import { validateCredential } from './credential';
import { ACTIONS } from './destination/actions';
import { STREAMS } from './source/streams';
import { readRolesOf, writeRolesOf } from './roles';

// Spec: GET /v1/identity (Utilities V1#Identity)
interface IdentityBody {
  identity: {
    name: string;
    roles: string[];
    team_roles?: string[];
    teams?: Array<{ id: string; name: string }>;
    dashboard_url: string;
  };
}

const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export async function authenticate(
  credentialInput: Credential | unknown,
  ctx: ConnectorContext = {},
  opts: ProbeOptions = {}
): Promise<ProbeResult> {
  let credential: Credential;
  try {
    credential = validateCredential(credentialInput);
  } catch (e) {
    const problems = e instanceof ConfigError ? e.problems : undefined;
    return { ok: false, failure: 'config', message: (e as Error).message, retryable: false, problems };
  }
  const client = new IncidentIoClient(credential, ctx);
  try {
    const { data } = await client.request<IdentityBody>({
      method: 'GET',
      path: '/v1/identity',
      timeoutMs: ctx.http?.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      maxRetries: 0,
    });
    const raw = data.identity;
    const identity: Identity = {
      name: String(raw.name),
      roles: raw.roles ?? [],
      teamRoles: raw.team_roles ?? [],
      teams: raw.teams ?? [],
      dashboardUrl: String(raw.dashboard_url),
    };
    return { ok: true, identity, warnings: roleWarnings(identity, opts) };
  } catch (e) {
    return probeFailure(e, credential);
  } finally {
    client.close();
  }
}

function probeFailure(e: unknown, credential: Credential): ProbeResult {
  if (e instanceof ApiError) {
    const base = { message: e.message, requestId: e.requestId };
    if (e.status === 401) return { ok: false, failure: 'invalid_key', retryable: false, ...base };
    if (e.status === 403) return { ok: false, failure: 'forbidden', retryable: false, ...base };
    if (e.status === 429) {
      const secs = Math.ceil((e.retryAfterMs ?? 1000) / 1000);
      return {
        ok: false,
        failure: 'rate_limited',
        retryable: true,
        retryAfterMs: e.retryAfterMs,
        message: `incident.io is rate limiting this API key right now; try again in ${secs} s${e.requestId ? ` (request_id ${e.requestId})` : ''}`,
        requestId: e.requestId,
      };
    }
    const status = e.status ?? 0;
    if (status === 404 || (status >= 300 && status < 400)) {
      return {
        ok: false,
        failure: 'config',
        retryable: false,
        message: `${credential.base_url} does not look like the incident.io API (${e.message}); check base_url`,
        requestId: e.requestId,
      };
    }
    return { ok: false, failure: 'unreachable', retryable: true, ...base };
  }
  const err = e instanceof ConnectorError ? e : undefined;
  return {
    ok: false,
    failure: 'unreachable',
    // An untrusted certificate or a server that is not HTTP stays so: trying again cannot help.
    retryable: err instanceof TransportError ? err.retryable : true,
    message: `${err?.message ?? 'incident.io could not be reached'} (${credential.base_url}); check the network and base_url, then try again`,
  };
}

function hasAny(identity: Identity, roles: readonly string[]): boolean {
  return roles.some((r) => identity.roles.includes(r) || identity.teamRoles.includes(r));
}

/** Warnings for roles the key lacks for what the user is configuring (the API stays the judge). */
export function roleWarnings(identity: Identity, opts: ProbeOptions): string[] {
  const warnings: string[] = [];
  if (opts.destination) {
    const action = ACTIONS.find((a) => a.name === opts.destination?.action);
    if (action && !hasAny(identity, writeRolesOf(action))) {
      warnings.push(
        `the key "${identity.name}" lacks a role to run ${action.name}: give it one of ${writeRolesOf(action).join(', ')}`
      );
    }
  }
  if (opts.source) {
    const wanted = opts.source.streams ?? STREAMS.map((s) => s.name);
    for (const s of STREAMS.filter((x) => wanted.includes(x.name))) {
      if (!hasAny(identity, readRolesOf(s))) {
        warnings.push(
          `the key "${identity.name}" may not read ${s.name}: it needs one of ${readRolesOf(s).join(', ')}`
        );
      }
    }
  }
  return warnings;
}
