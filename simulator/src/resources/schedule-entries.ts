// Schedule entries are computed, not stored: each rotation layer hands over every `interval` from
// handover_start_at, users taking turns; overrides replace the scheduled user for their span. The
// list endpoint pages by time: `pagination_meta.after` is the end of the page's last entry, sent back
// as entry_window_start (entries overlapping [start, end) that end after it come next).
import { hashString, mix } from '../ids';
import { formatTimeUs } from '../query';
import type { ScheduleOverrideRec, ScheduleRec, UserV2 } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS } as const;

export interface WindowDays {
  past: number;
  future: number;
}

export interface Entry {
  startMs: number;
  endMs: number;
  rotation_id: string;
  layer_id: string;
  user?: UserV2;
  /** The override an entry comes from (overrides list). */
  override?: string;
  fingerprint: string;
}

/** The window the source asks for around `now` (the same arithmetic as its schedule_entries stream). */
export function windowFor(
  now: number,
  days: WindowDays = { past: 7, future: 28 }
): { start: number; end: number } {
  return { start: now - days.past * DAY_MS, end: now + days.future * DAY_MS };
}

function fingerprint(e: Omit<Entry, 'fingerprint'>): string {
  const h1 = mix(hashString(e.rotation_id + e.layer_id), e.startMs / 1000, e.endMs / 1000);
  const h2 = mix(hashString(e.user?.id ?? '-'), h1, hashString(e.override ?? ''));
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

function entry(e: Omit<Entry, 'fingerprint'>): Entry {
  return { ...e, fingerprint: fingerprint(e) };
}

const overlaps = (aStart: number, aEnd: number, bStart: number, bEnd: number): boolean =>
  aStart < bEnd && aEnd > bStart;

/** Shifts of every rotation layer overlapping [from, to). */
export function scheduledEntries(s: ScheduleRec, from: number, to: number): Entry[] {
  const out: Entry[] = [];
  for (const r of s.config.rotations) {
    const h = r.handovers[0];
    const len = h.interval * UNIT_MS[h.interval_type];
    const origin = Date.parse(r.handover_start_at);
    const effective = r.effective_from ? Date.parse(r.effective_from) : origin;
    r.layers.forEach((layer, li) => {
      for (let k = Math.max(0, Math.floor((from - origin) / len)); origin + k * len < to; k++) {
        const startMs = origin + k * len;
        const endMs = startMs + len;
        if (endMs <= effective || !overlaps(startMs, endMs, from, to)) continue;
        const user = r.users.length > 0 ? r.users[(k + li) % r.users.length] : undefined;
        out.push(entry({ startMs, endMs, rotation_id: r.id, layer_id: layer.id, ...(user && { user }) }));
      }
    });
  }
  return out;
}

/** Overrides of a schedule overlapping [from, to), as entries. */
export function overrideEntries(
  overrides: readonly ScheduleOverrideRec[],
  from: number,
  to: number
): Entry[] {
  return overrides
    .map((o) => ({ o, startMs: Date.parse(o.start_at), endMs: Date.parse(o.end_at) }))
    .filter(({ startMs, endMs }) => overlaps(startMs, endMs, from, to))
    .map(({ o, startMs, endMs }) =>
      entry({
        startMs,
        endMs,
        rotation_id: o.rotation_id,
        layer_id: o.layer_id,
        ...(o.user && { user: o.user }),
        override: o.id,
      })
    );
}

/** What is really on call: scheduled shifts with the overrides of their layer cut out and put in. */
export function mergeEntries(scheduled: Entry[], overrides: Entry[]): Entry[] {
  const out: Entry[] = [...overrides];
  for (const e of scheduled) {
    let pieces: Array<[number, number]> = [[e.startMs, e.endMs]];
    for (const o of overrides) {
      if (o.rotation_id !== e.rotation_id || o.layer_id !== e.layer_id) continue;
      pieces = pieces.flatMap(([a, b]): Array<[number, number]> => {
        if (!overlaps(a, b, o.startMs, o.endMs)) return [[a, b]];
        const rest: Array<[number, number]> = [];
        if (a < o.startMs) rest.push([a, o.startMs]);
        if (o.endMs < b) rest.push([o.endMs, b]);
        return rest;
      });
    }
    for (const [a, b] of pieces) {
      out.push(a === e.startMs && b === e.endMs ? e : entry({ ...e, startMs: a, endMs: b }));
    }
  }
  return sortEntries(out);
}

/** By end, then fingerprint: the order the pages follow. */
export function sortEntries(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => a.endMs - b.endMs || (a.fingerprint < b.fingerprint ? -1 : 1));
}

/** Final entries of a schedule overlapping [from, to). */
export function finalEntries(
  db: { schedule_overrides: { filter(p: (o: ScheduleOverrideRec) => boolean): ScheduleOverrideRec[] } },
  s: ScheduleRec,
  from: number,
  to: number
): Entry[] {
  const overrides = overrideEntries(
    db.schedule_overrides.filter((o) => o.schedule_id === s.id),
    from,
    to
  );
  return mergeEntries(scheduledEntries(s, from, to), overrides).filter((e) =>
    overlaps(e.startMs, e.endMs, from, to)
  );
}

/**
 * ScheduleV2.next_shifts: who is on call right after the schedule's next changeover (the earliest end
 * of a shift on call now), or none when nobody is on call now.
 */
export function nextShifts(db: Parameters<typeof finalEntries>[0], s: ScheduleRec, now: number): Entry[] {
  const entries = finalEntries(db, s, now, now + 35 * DAY_MS);
  const changeover = Math.min(...entries.filter((e) => e.startMs <= now).map((e) => e.endMs));
  if (!Number.isFinite(changeover)) return [];
  return entries.filter((e) => e.startMs <= changeover && e.endMs > changeover);
}

/** ScheduleEntryV2. */
export function renderEntry(e: Entry): Record<string, unknown> {
  return {
    ...(e.override && { entry_id: e.override }),
    fingerprint: e.fingerprint,
    rotation_id: e.rotation_id,
    layer_id: e.layer_id,
    start_at: formatTimeUs(e.startMs * 1000),
    end_at: formatTimeUs(e.endMs * 1000),
    ...(e.user && { user: e.user }),
  };
}
