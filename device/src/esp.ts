/**
 * The Enrollment Status Page as the device runs it after its first OMA-DM session: what
 * management wrote under DMClient FirstSyncStatus says whether the page is shown, which apps
 * it waits for (ExpectedMSIAppPackages, read through their Status nodes) and for how long.
 * Device setup waits for the device's apps, account setup for the user's; each ends when its
 * apps are installed and management has said ServerHasFinishedProvisioning, fails as soon as
 * one of its apps fails, and times out after TimeOutUntilSyncFailure minutes of simulated time.
 */
import type { CspTree } from './csp-tree.js';
import { MSI_STATUS } from './msi-installs.js';

export const ESP_TIMEOUT_CODE = '0x800705B4';
const DELIMITER = '\uF000';

export interface EspSettings {
  timeoutMs: number;
  deviceApps: string[];
  userApps: string[];
  skipUser: boolean;
}

/** Device setup (the device's apps) or account setup (the user's). */
export type EspPhase = 'device' | 'user';

export type EspVerdict =
  | { state: 'waiting'; phase: EspPhase; waitingFor: string | null }
  | { state: 'done' }
  | { state: 'failed'; phase: EspPhase; code: string; app: string };

const firstSync = (providerId: string, user = false) => `${user ? './User' : '.'}/Vendor/MSFT/DMClient/Provider/${providerId}/FirstSyncStatus`;

/** The Status LocURIs of an ExpectedMSIAppPackages list (`<LocURI>;<count>` items). */
export function expectedApps(list: string | undefined): string[] {
  if (!list) return [];
  return list
    .split(DELIMITER)
    .map((item) => item.trim().replace(/;\d+$/, ''))
    .filter((uri) => uri !== '');
}

/** The ESP management asked for, or undefined when the page is not shown. */
export function espSettings(tree: CspTree, providerId: string): EspSettings | undefined {
  const read = (uri: string) => tree.get(uri)?.data;
  const device = firstSync(providerId);
  if (read(`${device}/SkipDeviceStatusPage`) !== 'false') return undefined;
  const minutes = Number(read(`${device}/TimeOutUntilSyncFailure`) ?? '60');
  return {
    timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : 60) * 60_000,
    deviceApps: expectedApps(read(`${device}/ExpectedMSIAppPackages`)),
    userApps: expectedApps(read(`${firstSync(providerId, true)}/ExpectedMSIAppPackages`)),
    skipUser: read(`${device}/SkipUserStatusPage`) === 'true',
  };
}

/**
 * Where the page stands on the phases it shows: both for a user at the keyboard, device setup
 * alone for a technician pre-provisioning, account setup alone once that user signs in.
 */
export function espVerdict(tree: CspTree, providerId: string, esp: EspSettings, shown: readonly EspPhase[] = ['device', 'user']): EspVerdict {
  const phases: Array<{ phase: EspPhase; apps: string[]; finished: string }> = [];
  if (shown.includes('device')) phases.push({ phase: 'device', apps: esp.deviceApps, finished: `${firstSync(providerId)}/ServerHasFinishedProvisioning` });
  if (shown.includes('user') && !esp.skipUser) phases.push({ phase: 'user', apps: esp.userApps, finished: `${firstSync(providerId, true)}/ServerHasFinishedProvisioning` });
  for (const { phase, apps, finished } of phases) {
    for (const statusUri of apps) {
      const status = Number(tree.get(statusUri)?.data ?? '0');
      if (status === MSI_STATUS.enforcementFailed || status === 30) {
        const code = tree.get(statusUri.replace(/\/Status$/, '/LastError'))?.data ?? 'unknown';
        return { state: 'failed', phase, code, app: decodeURIComponent(statusUri.split('/').at(-2) ?? '') };
      }
    }
    const waiting = apps.find((uri) => tree.get(uri)?.data !== String(MSI_STATUS.enforcementCompleted));
    if (waiting !== undefined || tree.get(finished)?.data !== 'true') {
      return { state: 'waiting', phase, waitingFor: waiting ? decodeURIComponent(waiting.split('/').at(-2) ?? '') : null };
    }
  }
  return { state: 'done' };
}

/** What the device writes when the page ends: 1 success, 0 failure (the server reads it). */
export function recordOutcome(tree: CspTree, providerId: string, success: boolean): void {
  tree.set(`${firstSync(providerId)}/WasDeviceSuccessfullyProvisioned`, success ? '1' : '0', 'int');
}
