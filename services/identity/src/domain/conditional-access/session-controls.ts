/**
 * Session controls. Of Graph's `conditionalAccessSessionControls`, Baton enforces sign-in
 * frequency: how long after an interactive sign-in a refresh token may still get tokens
 * silently. The other controls (persistentBrowser, applicationEnforcedRestrictions,
 * cloudAppSecurity, …) concern browsers and other products; they are kept as posted and
 * reported, not enforced.
 */
import { boolean, enumValue, fail, has, join, object, type Json } from './json-reader.js';

const FREQUENCY_TYPES = ['days', 'hours'] as const;
const AUTHENTICATION_TYPES = ['primaryAndSecondaryAuthentication', 'secondaryAuthentication'] as const;
const FREQUENCY_INTERVALS = ['timeBased', 'everyTime'] as const;
/** Entra's bounds for a time-based frequency. */
const MAX_VALUE = { hours: 23, days: 365 } as const;

export interface SignInFrequency {
  isEnabled: boolean;
  type: (typeof FREQUENCY_TYPES)[number] | null;
  value: number | null;
  authenticationType: (typeof AUTHENTICATION_TYPES)[number];
  frequencyInterval: (typeof FREQUENCY_INTERVALS)[number];
}

/** Checks `signInFrequency` inside a policy's session controls, normalizing it in place. */
export function validateSignInFrequency(controls: Json, path: string): void {
  if (!has(controls, 'signInFrequency') || controls.signInFrequency === null) return;
  const at = join(path, 'signInFrequency');
  const o = object(controls.signInFrequency, at, ['isEnabled', 'type', 'value', 'authenticationType', 'frequencyInterval']);
  const frequencyInterval = o.frequencyInterval === undefined || o.frequencyInterval === null ? 'timeBased' : enumValue(o.frequencyInterval, join(at, 'frequencyInterval'), FREQUENCY_INTERVALS);
  const normalized: SignInFrequency = {
    isEnabled: o.isEnabled === undefined ? true : boolean(o.isEnabled, join(at, 'isEnabled')),
    type: null,
    value: null,
    authenticationType:
      o.authenticationType === undefined || o.authenticationType === null
        ? 'primaryAndSecondaryAuthentication'
        : enumValue(o.authenticationType, join(at, 'authenticationType'), AUTHENTICATION_TYPES),
    frequencyInterval,
  };
  if (frequencyInterval === 'timeBased') {
    const type = enumValue(o.type, join(at, 'type'), FREQUENCY_TYPES);
    const value = o.value;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_VALUE[type]) {
      fail('ca.value', join(at, 'value'), `must be a whole number of ${type} from 1 to ${MAX_VALUE[type]}`);
    }
    normalized.type = type;
    normalized.value = value;
  } else if ((o.type !== undefined && o.type !== null) || (o.value !== undefined && o.value !== null)) {
    fail('ca.value', join(at, 'type'), 'an everyTime sign-in frequency takes no type or value');
  }
  controls.signInFrequency = normalized as unknown as Json[string];
}

/**
 * The longest a silent token request may follow the interactive sign-in, in seconds: 0 for
 * `everyTime`, undefined when the policy sets no enabled frequency.
 */
export function signInFrequencySeconds(sessionControls: Record<string, unknown> | null): number | undefined {
  const f = sessionControls?.signInFrequency as SignInFrequency | null | undefined;
  if (!f || !f.isEnabled) return undefined;
  if (f.frequencyInterval === 'everyTime') return 0;
  return f.value! * (f.type === 'days' ? 86_400 : 3_600);
}
