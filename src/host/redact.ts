// Defence in depth for everything the host prints: whatever reaches stdout, stderr or a file passes
// through a redactor that knows the secrets of this run. The plugin itself never puts a key in a
// message; this catches what a future bug (or a server echoing the key back) might — in every form
// the key can take on the way: as it is, JSON-escaped (once, or twice when a message holding it is
// itself put in JSON), URL-encoded, and in base64, base64url or hex at any alignment.

const MIN_SECRET = 8;

/** The part of base64(prefix + secret) that depends on the secret alone, for each byte alignment. */
function base64Forms(secret: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const text = Buffer.concat([Buffer.alloc(offset), secret]).toString(encoding);
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + secret.length) * 8) / 6);
    out.push(text.slice(first, last));
  }
  return out;
}

/** Every encoding of `secret` that could appear in output. */
export function secretEncodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  const forms = new Set([
    secret,
    once,
    twice,
    encodeURIComponent(secret),
    encodeURI(secret),
    ...base64Forms(bytes, 'base64'),
    ...base64Forms(bytes, 'base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ]);
  return [...forms].filter((f) => f.length >= MIN_SECRET).sort((a, b) => b.length - a.length);
}

function replaceAllBytes(haystack: Buffer, needle: Buffer, by: Buffer): Buffer {
  let at = haystack.indexOf(needle);
  if (at < 0) return haystack;
  const parts: Buffer[] = [];
  let from = 0;
  while (at >= 0) {
    parts.push(haystack.subarray(from, at), by);
    from = at + needle.length;
    at = haystack.indexOf(needle, from);
  }
  parts.push(haystack.subarray(from));
  return Buffer.concat(parts);
}

const REDACTED = '[REDACTED]';

export class Redactor {
  /** Longest first, so that a form containing another is replaced whole. */
  private forms: string[] = [];
  private byteForms: Buffer[] = [];

  add(secret: string | undefined): void {
    // The credential trims the key: a key padded with whitespace (e.g. in the environment) is sent,
    // and so could leak, in its trimmed form.
    const s = secret?.trim();
    // Short strings would redact ordinary words; real keys are long.
    if (!s || s.length < MIN_SECRET) return;
    // A webhook signing secret is whsec_ and base64: its base64 part alone is the secret too.
    const parts = s.startsWith('whsec_') && s.length - 6 >= MIN_SECRET ? [s, s.slice(6)] : [s];
    const all = new Set([...this.forms, ...parts.flatMap(secretEncodings)]);
    this.forms = [...all].sort((a, b) => b.length - a.length);
    this.byteForms = this.forms.map((f) => Buffer.from(f, 'utf8'));
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.forms) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** The same on bytes that need not be UTF-8 (dead-letter lines are kept as they came in). */
  redactBytes(bytes: Buffer): Buffer {
    let out = bytes;
    for (const f of this.byteForms) out = replaceAllBytes(out, f, Buffer.from(REDACTED));
    return out;
  }
}
