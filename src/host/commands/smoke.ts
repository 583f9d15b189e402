// `smoke`: the step before trusting the connector with production. With a real key it probes,
// discovers, reads the first page of every stream the key can read, validates every record against the
// stream's published schema and prints one table row per stream. It never writes: every client it
// makes is read-only (ctx.http.readOnly), which refuses anything but a GET before it is sent.
import type { ConnectorContext, StreamDescriptor } from '../../contract';
import { CancelledError, toConnectorError } from '../../errors';
import type { IncidentIoSource } from '../../source/adapter';
import { toProblems, validatorFor } from '../../validation';
import { CredentialStore } from '../credential-store';
import { EXIT } from '../exit-codes';
import type { Session } from '../session';

const NO_KEY = `smoke needs a real incident.io API key, and none was given. Either:
  --credential NAME          a credential saved with \`credentials add\` (npm run smoke -- --credential NAME)
  INCIDENT_IO_API_KEY=...    the key in the environment (INCIDENT_IO_BASE_URL for another API host)
  credentials default NAME   a saved credential used when neither is given
Nothing was sent.
`;

interface Row {
  stream: string;
  requests: number;
  records?: number;
  violations?: number;
  requestId?: string;
  result: string;
  outcome: 'ok' | 'violations' | 'failed' | 'unreadable';
}

/** Requests as the HTTP client reports sending them (every attempt, retries included). */
class RequestCounter {
  readonly methods = new Map<string, number>();
  total = 0;
  readonly hook = (r: { method: string }) => {
    this.total++;
    this.methods.set(r.method, (this.methods.get(r.method) ?? 0) + 1);
  };
}

export async function runSmoke(session: Session): Promise<number> {
  if (!session.opts.credential && !process.env.INCIDENT_IO_API_KEY && !new CredentialStore().defaultName()) {
    process.stderr.write(NO_KEY);
    return EXIT.USAGE;
  }
  const credential = session.credential();
  const print = (text: string) => process.stdout.write(session.redactor.redact(`${text}\n`));
  const counter = new RequestCounter();
  const base = session.context();
  const ctx: ConnectorContext = { ...base, http: { ...base.http, readOnly: true, onRequest: counter.hook } };
  session.trapSignals();
  print(`incident.io smoke test of ${credential.base_url}: read-only, the first page of every stream`);
  try {
    const probe = await session.plugin.authenticate(credential, ctx);
    if (!probe.ok) {
      print(`probe     ${plural(counter.total, 'request')}  failed (${probe.failure}): ${probe.message}`);
      print('nothing else was sent');
      return EXIT.FAILED;
    }
    const { name, roles, teamRoles } = probe.identity;
    print(
      `probe     ${plural(counter.total, 'request')}  key "${name}", roles ${[...roles, ...teamRoles].join(', ') || '(none)'}`
    );

    const source = session.plugin.createSource(credential, {}, ctx) as unknown as IncidentIoSource;
    const rows: Row[] = [];
    try {
      const before = counter.total;
      const streams = await source.discover();
      const readable = streams.filter((d) => !d.unavailable).length;
      print(
        `discover  ${plural(counter.total - before, 'request')}  ${streams.length} streams, ${readable} readable with the key's roles`
      );
      for (const d of streams) rows.push(await smokeStream(source, d, counter, session.abort.signal));
    } finally {
      source.close();
    }
    print('');
    for (const line of table(rows)) print(line);
    print('');
    print(summary(rows, counter));
    return rows.some((r) => r.outcome === 'failed' || r.outcome === 'violations') ? EXIT.FAILED : EXIT.OK;
  } catch (e) {
    if (e instanceof CancelledError || session.interrupted) {
      process.stderr.write('interrupted: the smoke test stopped before the end\n');
      return EXIT.INTERRUPTED;
    }
    throw e;
  }
}

async function smokeStream(
  source: IncidentIoSource,
  d: StreamDescriptor,
  counter: RequestCounter,
  signal: AbortSignal
): Promise<Row> {
  if (d.unavailable)
    return {
      stream: d.name,
      requests: 0,
      result: `not readable: ${d.unavailable.reason}`,
      outcome: 'unreadable',
    };
  const before = counter.total;
  let records: Array<Record<string, unknown>>;
  try {
    records = await source.firstPage(d.name, signal);
  } catch (e) {
    const err = toConnectorError(e);
    if (err instanceof CancelledError) throw err;
    return {
      stream: d.name,
      requests: counter.total - before,
      requestId: err.requestId,
      result: `failed (${err.failureType}): ${err.message}`,
      outcome: 'failed',
    };
  }
  const validate = validatorFor(`schemas/streams/${d.name}.json`);
  let violations = 0;
  let first: string | undefined;
  records.forEach((record, i) => {
    const valid: boolean = validate(record);
    if (valid) return;
    violations++;
    if (first) return;
    const [problem] = toProblems(validate.errors);
    const which = typeof record.id === 'string' ? `record ${record.id}` : `record #${i + 1}`;
    first = `schema: ${which}: ${problem.field} ${problem.reason}`;
  });
  return {
    stream: d.name,
    requests: counter.total - before,
    records: records.length,
    violations,
    result: first ?? 'ok',
    outcome: violations ? 'violations' : 'ok',
  };
}

function table(rows: Row[]): string[] {
  const head = ['stream', 'requests', 'records', 'violations', 'request_id', 'result'];
  const cells = rows.map((r) => [
    r.stream,
    String(r.requests),
    r.records === undefined ? '-' : String(r.records),
    r.violations === undefined ? '-' : String(r.violations),
    r.requestId ?? '-',
    r.result,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  // Text left, numbers right; the last column is not padded.
  const line = (c: string[]) =>
    c
      .map((v, i) =>
        i === c.length - 1 ? v : i >= 1 && i <= 3 ? v.padStart(widths[i]) : v.padEnd(widths[i])
      )
      .join('  ');
  return [line(head), ...cells.map(line)];
}

function summary(rows: Row[], counter: RequestCounter): string {
  const n = (o: Row['outcome']) => rows.filter((r) => r.outcome === o).length;
  const read = n('ok') + n('violations');
  const methods = [...counter.methods.entries()].map(([m, c]) => `${c} ${m}`).join(', ');
  return (
    `${plural(rows.length, 'stream')}: ${read} read (${n('ok')} valid, ${n('violations')} with schema violations), ` +
    `${n('failed')} failed, ${n('unreadable')} not readable with this key; ` +
    `${plural(counter.total, 'request')} sent (${methods || 'none'})`
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
