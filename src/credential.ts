// The credential: validated with the plugin's credential schema, trimmed and normalised. A bad
// credential is one ConfigError that lists every bad field and never contains the key.
import type { Credential } from './contract';
import { ConfigError, FieldProblem } from './errors';
import { toProblems, validatorFor } from './validation';

export const DEFAULT_BASE_URL = 'https://api.incident.io';

/**
 * A key goes in a Bearer token, whose characters RFC 6750 fixes; incident.io issues "inc_" and hex.
 * Anything else (spaces, quotes, backslashes) is a copy-and-paste mistake, and a key holding them
 * would take other forms once escaped in a message (harder to redact).
 */
const KEY_CHARACTERS =
  'may hold only letters, digits and - . _ ~ + / (then = at the end), as a Bearer token does: ' +
  'no spaces, line breaks, quotes or backslashes (check that the key was copied alone)';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** localhost, 127.x.x.x or [::1]: this machine (a simulator). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Only https:, or plain http: to this machine (a simulator), may carry the key. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://api.incident.io';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return undefined;
    return 'must use https: (plain http: is only accepted for a loopback address such as 127.0.0.1)';
  }
  return 'must use https:';
}

export function validateCredential(input: unknown): Credential {
  const validate = validatorFor('schemas/credential.schema.json');
  // Work on a copy: trimming and defaults must not change the caller's object.
  const copy: Record<string, unknown> =
    input && typeof input === 'object' && !Array.isArray(input)
      ? { ...(input as Record<string, unknown>) }
      : {};
  if (typeof copy.api_key === 'string') copy.api_key = copy.api_key.trim();
  if (typeof copy.base_url === 'string') copy.base_url = copy.base_url.trim();
  if (typeof copy.webhook_secret === 'string') copy.webhook_secret = copy.webhook_secret.trim();
  const problems: FieldProblem[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ field: '/', reason: 'must be an object with an api_key' });
  } else if (!validate(copy)) {
    problems.push(
      ...toProblems(validate.errors).map((p) =>
        p.field === '/api_key' && p.reason === 'has an invalid format' ? { ...p, reason: KEY_CHARACTERS } : p
      )
    );
  }
  if (typeof copy.base_url === 'string' && !problems.some((p) => p.field === '/base_url')) {
    const p = baseUrlProblem(copy.base_url);
    if (p) problems.push({ field: '/base_url', reason: p });
  }
  if (problems.length > 0) throw new ConfigError('the credential', problems);
  return {
    api_key: copy.api_key as string,
    base_url: String(copy.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    ...(typeof copy.webhook_secret === 'string' ? { webhook_secret: copy.webhook_secret } : {}),
    // Only when given: the schema's default would otherwise override a runtime's maxConcurrent.
    ...(typeof (input as Record<string, unknown>).max_in_flight === 'number'
      ? { max_in_flight: copy.max_in_flight as number }
      : {}),
  };
}
