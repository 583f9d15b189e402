// `write --format airbyte`: the CLI as an Airbyte destination. Its stdin carries AirbyteMessages: the
// data of each RECORD goes to the action, and each STATE is echoed on stdout only once every record
// before it is written (or kept in the dead-letter file): Airbyte commits a state when the destination
// re-emits it, so a state must never run ahead of a record that is not safe yet. After a record that
// was neither written nor dead-lettered, no later state is echoed: the next sync re-sends from the last
// one, and deterministic idempotency keys make the re-sent records create nothing twice.
import type { FieldProblem } from '../../errors';
import type { InputRecord } from '../write-input';
import { isObject } from './format';

/** A STATE waiting for the records before it. */
interface PendingState {
  /** Records before it (its place in the record sequence). */
  after: number;
  message: Record<string, unknown>;
}

export class AirbyteStateGate {
  private readonly pending: PendingState[] = [];
  /** Records whose results are in (results come in input order). */
  private resolved = 0;
  /** Records written (or dead-lettered) since the last state echoed, for destinationStats. */
  private sinceLast = 0;
  /** A record before any pending state was neither written nor kept: states stop here. */
  blockedAt?: number;
  echoed = 0;

  /** A STATE read after `records` records. */
  state(records: number, message: Record<string, unknown>): void {
    this.pending.push({ after: records, message });
  }

  /** The next record's result: `safe` when it was written, or kept in the dead-letter file. */
  result(index: number, safe: boolean): void {
    this.resolved = index + 1;
    if (safe) this.sinceLast++;
    else this.blockedAt ??= index;
  }

  /** The states that may go out now, each with the records written since the previous one. */
  release(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    while (this.pending.length && this.pending[0].after <= this.resolved) {
      const { after, message } = this.pending[0];
      if (this.blockedAt !== undefined && this.blockedAt < after) break;
      this.pending.shift();
      const state = isObject(message.state) ? message.state : {};
      out.push({ ...message, state: { ...state, destinationStats: { recordCount: this.sinceLast } } });
      this.sinceLast = 0;
      this.echoed++;
    }
    return out;
  }

  /** States never echoed (held back by a record that was not written). */
  get held(): number {
    return this.pending.length;
  }
}

/**
 * The records of an Airbyte message stream, for the destination: each RECORD's data (a record of a
 * stream not in `streams` is rejected unsent); each STATE goes to the gate, in its place; other
 * messages (LOG, TRACE) are skipped. A line that is not an AirbyteMessage is rejected like a bad record.
 */
export async function* airbyteRecords(
  lines: AsyncIterable<InputRecord>,
  gate: AirbyteStateGate,
  streams: Set<string> | undefined,
  onState: () => Promise<void>
): AsyncGenerator<InputRecord> {
  let index = 0;
  for await (const line of lines) {
    const m = line.record;
    if (!line.problems && isObject(m) && m.type === 'STATE' && isObject(m.state)) {
      gate.state(index, m);
      await onState();
      continue;
    }
    if (!line.problems && isObject(m) && m.type !== 'RECORD' && typeof m.type === 'string') continue;
    const problems: FieldProblem[] | undefined =
      line.problems ??
      (!isObject(m) || !isObject(m.record) || typeof m.record.stream !== 'string' || !isObject(m.record.data)
        ? [{ field: '/', reason: `line ${line.lineNo} is not an Airbyte RECORD or STATE message` }]
        : streams && !streams.has(m.record.stream)
          ? [
              {
                field: '/record/stream',
                reason: `"${m.record.stream}" is not a stream of the configured catalog (${[...streams].join(', ')})`,
              },
            ]
          : undefined);
    const data = !problems && isObject(m) && isObject(m.record) ? m.record.data : undefined;
    yield { ...line, index: index++, record: data, problems };
  }
}
