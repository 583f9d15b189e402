// Small helpers shared by the seeders: per-purpose generators, timestamps, embedded shapes.
import { hashString, mix, mulberry32, type Rng } from '../ids';
import { SEED_END_US } from '../incidents';
import { formatTimeUs } from '../query';
import type { UserRec, UserV2 } from './types';

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;
/** Seeded data lies in the three years before this (as incidents do). */
export const SEED_END_MS = SEED_END_US / 1000;
export const SEED_START_US = SEED_END_US - 3 * 365 * DAY_US;

/** A generator for one purpose (and optionally one item) of one seed. */
export function rngFor(seed: number, purpose: string, item = 0): Rng {
  return mulberry32(mix(seed, hashString(purpose), item));
}

export const iso = (us: number): string => formatTimeUs(Math.floor(us));

/** A whole-second timestamp now and then, as the API sends both shapes. */
export function stamp(rng: Rng, us: number): number {
  const t = Math.floor(us);
  return rng() < 0.25 ? t - (t % 1_000_000) : t;
}

export function between(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * Math.max(0, hi - lo));
}

export function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Exactly k distinct items (fewer when there are fewer). */
export function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const copy = [...items];
  const out: T[] = [];
  while (out.length < k && copy.length > 0) out.push(copy.splice(Math.floor(rng() * copy.length), 1)[0]);
  return out;
}

/** UserV2 / UserV1 as embedded in other records. */
export function userV2(u: UserRec | UserV2): UserV2 {
  return {
    id: u.id,
    name: u.name,
    ...(u.email !== undefined && { email: u.email }),
    role: u.role,
    ...(u.slack_user_id !== undefined && { slack_user_id: u.slack_user_id }),
  };
}

/** UserV3 (teams' members). */
export function userV3(u: UserRec): { id: string; name: string; email?: string; slack_user_id?: string } {
  return {
    id: u.id,
    name: u.name,
    ...(u.email !== undefined && { email: u.email }),
    ...(u.slack_user_id !== undefined && { slack_user_id: u.slack_user_id }),
  };
}

export const FIRST_NAMES = [
  'Ada',
  'Bea',
  'Carl',
  'Dana',
  'Eli',
  'Fay',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kai',
  'Lea',
  'Mo',
  'Nia',
  'Oskar',
  'Pia',
  'Quinn',
  'Rui',
  'Sofia',
  'Tom',
  'Uma',
  'Vik',
  'Wen',
  'Yara',
  'Zoe',
];
export const LAST_NAMES = [
  'Abbott',
  'Brandt',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Horvat',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lindqvist',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Varga',
];
