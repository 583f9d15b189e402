// Defence in depth for everything the host prints: whatever reaches stdout, stderr or a file passes
// through a redactor that knows the secrets of this run. The plugin itself never puts a key in a
// message; this catches what a future bug might.

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Short strings would redact ordinary words; real keys are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  }
}
