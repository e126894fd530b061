/**
 * The `baton simulate` flags that are more than a whole number, read once with an error that
 * names the flag and what it takes: a typo must stop the run before any device is registered.
 */
import type { PaceName } from '@baton/device';

/** The longest ramp-up taken: a day of devices arriving is already more than a rehearsal needs. */
export const MAX_RAMP_UP_S = 86_400;

export function parsePace(text: string | undefined): PaceName {
  if (text === undefined) return 'fast';
  const name = text.trim().toLowerCase();
  if (name !== 'fast' && name !== 'real') throw new Error(`--pace takes fast or real, got "${text}"`);
  return name;
}

/** Seconds, whole or decimal, to milliseconds. */
export function parseRampUp(text: string | undefined): number {
  if (text === undefined) return 0;
  const trimmed = text.trim();
  const seconds = /^\d*\.?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_RAMP_UP_S)) throw new Error(`--ramp-up takes seconds from 0 to ${MAX_RAMP_UP_S}, got "${text}"`);
  return Math.round(seconds * 1000);
}

/** A share of devices from 0 to 1. */
export function parseFaultRate(text: string | undefined): number {
  if (text === undefined) return 0;
  const trimmed = text.trim();
  const rate = /^\d*\.?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(rate >= 0 && rate <= 1)) throw new Error(`--faults must be a share of devices from 0 to 1, got "${text}"`);
  return rate;
}
