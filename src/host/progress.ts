// Progress on stderr, at most one line per stream per second, so long runs show life without
// drowning the terminal; stdout stays pure data.
import type { Redactor } from './redact';

export class Progress {
  private readonly lastAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private pages = new Map<string, number>();

  constructor(
    private readonly redactor: Redactor,
    private readonly enabled = true
  ) {}

  line(text: string): void {
    if (this.enabled) process.stderr.write(this.redactor.redact(`${text}\n`));
  }

  page(stream: string, records: number): void {
    const now = Date.now();
    if (!this.startedAt.has(stream)) this.startedAt.set(stream, now);
    this.pages.set(stream, (this.pages.get(stream) ?? 0) + 1);
    if (now - (this.lastAt.get(stream) ?? 0) < 1000) return;
    this.lastAt.set(stream, now);
    const secs = Math.max(0.001, (now - this.startedAt.get(stream)!) / 1000);
    this.line(
      `${stream}: ${records} records, ${this.pages.get(stream)} pages, ${Math.round(records / secs)} records/s`
    );
  }

  /** `limited`: the read stopped at --limit, before the page it was in ended (so it is not counted). */
  done(stream: string, records: number, pages: number, limited = false): void {
    const where = pages > 0 ? ` in ${pages} page${pages === 1 ? '' : 's'}` : '';
    this.line(`${stream}: complete — ${records} records${where}${limited ? ' (stopped at --limit)' : ''}`);
  }
}
