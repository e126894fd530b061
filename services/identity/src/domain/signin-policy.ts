/** The knobs of interactive sign-in, with defaults that follow Entra's smart lockout loosely. */
import { WindowLimiter } from './rate-limit.js';

export interface SigninPolicy {
  /** Consecutive wrong passwords that lock an account. */
  lockAfter: number;
  lockMinutes: number;
  /** Wrong passwords one IP address may send per minute. */
  ipFailuresPerMinute: number;
  /** Wrong passwords or second-factor codes per user per minute, from anywhere. */
  userFailuresPerMinute: number;
  /** Wrong user codes one IP address may type per minute on the device-code page. */
  userCodeFailuresPerMinute: number;
  /** Device flow: seconds between polls, and the device code's lifetime. */
  deviceCodeIntervalS: number;
  deviceCodeLifetimeS: number;
  /** Authorization codes live this long (ASVS 10.4.3: at most 10 minutes). */
  authorizationCodeLifetimeS: number;
}

export const DEFAULT_SIGNIN_POLICY: SigninPolicy = {
  lockAfter: 5,
  lockMinutes: 15,
  ipFailuresPerMinute: 30,
  userFailuresPerMinute: 10,
  userCodeFailuresPerMinute: 10,
  deviceCodeIntervalS: 5,
  deviceCodeLifetimeS: 900,
  authorizationCodeLifetimeS: 300,
};

/** The in-process counters behind the per-minute limits. */
export class SigninLimits {
  readonly ipFailures: WindowLimiter;
  readonly userFailures: WindowLimiter;
  readonly userCodeFailures: WindowLimiter;

  constructor(
    readonly policy: SigninPolicy,
    now: () => number = Date.now,
  ) {
    this.ipFailures = new WindowLimiter(policy.ipFailuresPerMinute, 60_000, now);
    this.userFailures = new WindowLimiter(policy.userFailuresPerMinute, 60_000, now);
    this.userCodeFailures = new WindowLimiter(policy.userCodeFailuresPerMinute, 60_000, now);
  }
}
