/**
 * How long the device takes over the steps a person or Windows itself spends time on, where an
 * architecture timeline shows them. At `fast` pace (the default) the device spends none, so a
 * fleet run measures the services; at `real` pace it waits the durations below, so a run
 * spreads over time the way a morning of deployments does. Server round trips are never padded:
 * their time is whatever the services take.
 */

export type PaceName = 'fast' | 'real';

/** The device-side steps a timeline shows between the service calls. */
export type PaceStep = 'oobePages' | 'credentialEntry' | 'secondFactorEntry' | 'appInstall' | 'resealReboot' | 'userLogon';

/**
 * Milliseconds each step takes at real pace, and where the figure comes from. These are
 * estimates, not measurements: each says what it assumes, so an operator can change it knowingly.
 */
export const REAL_PACE: Readonly<Record<PaceStep, { ms: number; source: string }>> = {
  // Region, keyboard, second keyboard and network pages before the profile applies; a
  // profile that skips pages (CloudAssignedOobeConfig) still shows region and network.
  oobePages: { ms: 45_000, source: 'four OOBE pages at about ten seconds each, read and clicked by a person' },
  // Typing a UPN and a password on the tenant-branded sign-in page.
  credentialEntry: { ms: 20_000, source: 'a UPN and a password typed by a person who knows them' },
  // Reading a TOTP code off an authenticator app; a code lives 30 s (RFC 6238), so it is read within one step.
  secondFactorEntry: { ms: 15_000, source: 'half of one RFC 6238 time step of 30 s' },
  // One MSI the Enrollment Status Page tracks: download plus msiexec for a line-of-business package.
  appInstall: { ms: 120_000, source: "Baton's estimate for a small LOB MSI; the ESP's default 60-minute timeout (Intune docs) bounds the sum" },
  // Reseal shuts the device down; the user's first boot goes back through OOBE's first pages.
  resealReboot: { ms: 60_000, source: 'a shutdown and a cold boot of a PC with an SSD' },
  // Creating the user's profile at first sign-in ("Hi", "We're getting things ready").
  userLogon: { ms: 30_000, source: "Windows' first-logon animation while the user profile is created" },
};

export interface Pace {
  readonly name: PaceName;
  /** Spends the step's device-side time; returns at once at fast pace. */
  wait(step: PaceStep, count?: number, signal?: AbortSignal): Promise<void>;
}

export const FAST_PACE: Pace = { name: 'fast', wait: () => Promise.resolve() };

export interface RealPaceOptions {
  /**
   * Multiplies every duration: 1 waits the table's figures, 0.001 turns minutes into
   * fractions of a second, so a test can show that real pace waits without waiting minutes.
   */
  scale?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function realPace(options: RealPaceOptions = {}): Pace {
  const scale = options.scale ?? 1;
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`the pace scale must be a finite number from 0, got ${scale}`);
  const sleep = options.sleep ?? abortableSleep;
  return {
    name: 'real',
    wait: (step, count = 1, signal) => sleep(REAL_PACE[step].ms * count * scale, signal),
  };
}

export function paceByName(name: PaceName, options: RealPaceOptions = {}): Pace {
  return name === 'real' ? realPace(options) : FAST_PACE;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
