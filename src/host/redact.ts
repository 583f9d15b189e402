// Defence in depth for everything the host prints: whatever reaches stdout, stderr or a file passes
// through a redactor that knows the secrets of this run. The plugin itself never puts a key in a
// message; this catches what a future bug might.

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // The credential trims the key: a key padded with whitespace (e.g. in the environment) is sent,
    // and so could leak, in its trimmed form.
    const s = secret?.trim();
    // Short strings would redact ordinary words; real keys are long.
    if (s && s.length >= 8) this.secrets.add(s);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  }
}
