/**
 * How one app's install on one device moves on: what the device reports (the CSP's Status and
 * LastError, or the SyncML status of the Exec or Delete) decides the state, and a failed
 * install is tried again after a backoff that doubles, a bounded number of times. Pure: the
 * store and the clock are the caller's.
 */
import { MSI_STATUS, normalizeErrorCode, win32CodeOf } from './csp.js';
import { returnCodeType, type MobileApp } from './mobile-app.js';
import type { AppInstall, CommandOutcome } from './store.js';

/** Attempts in all, the first included. */
export const MAX_ATTEMPTS = 3;
export const RETRY_BASE_MS = 5 * 60_000;

/** When the next attempt may start after `attempts` failed ones, or null when none is left. */
export function retryAt(attempts: number, now: Date): string | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  return new Date(now.getTime() + RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1)).toISOString();
}

/** Whether a failed install is due for another attempt. */
export function dueForRetry(install: AppInstall, now: Date): boolean {
  return install.state === 'failed' && install.intent === 'install' && install.nextAttemptAt !== null && install.nextAttemptAt <= now.toISOString();
}

function failed(install: AppInstall, errorCode: string | null, description: string | null, now: Date): AppInstall {
  return { ...install, state: 'failed', errorCode, errorDescription: description, nextAttemptAt: retryAt(install.attempts, now), updatedAt: now.toISOString() };
}

/** The device's Status (and LastError, when it came along) for an app being installed. */
export function applyReport(install: AppInstall, app: MobileApp, report: { status?: number; lastError?: string; lastErrorDesc?: string }, now: Date): AppInstall {
  if (install.intent !== 'install' || report.status === undefined) return install;
  const at = now.toISOString();
  const status = report.status;
  if (status === MSI_STATUS.enforcementCompleted) return { ...install, state: 'installed', cspStatus: status, errorCode: null, errorDescription: null, nextAttemptAt: null, updatedAt: at };
  if (status === MSI_STATUS.enforcementFailed || status === MSI_STATUS.downloadFailed) {
    const code = report.lastError === undefined ? null : normalizeErrorCode(report.lastError);
    // A Win32 app's return codes say which installer exit codes still mean success.
    const exit = code === null ? undefined : win32CodeOf(code);
    const meaning = exit === undefined ? undefined : returnCodeType(app, exit);
    if (meaning === 'success' || meaning === 'softReboot' || meaning === 'hardReboot') {
      return { ...install, state: 'installed', cspStatus: status, errorCode: null, errorDescription: null, nextAttemptAt: null, updatedAt: at };
    }
    if (install.state === 'failed' && install.cspStatus === status && install.errorCode === code) return install;
    return failed({ ...install, cspStatus: status }, code, report.lastErrorDesc?.slice(0, 500) ?? null, now);
  }
  if (install.state === 'pendingInstall' && install.cspStatus === status) return install;
  return { ...install, state: install.state === 'installed' ? 'installed' : 'pendingInstall', cspStatus: status, updatedAt: at };
}

/** The SyncML status of the Exec (install) or Delete (uninstall) this attempt hinges on. */
export function applyCommandOutcome(install: AppInstall, outcome: CommandOutcome | undefined, now: Date): AppInstall {
  if (!outcome || outcome.status === 'queued' || outcome.status === 'sent') return install;
  const done = { ...install, commandId: null, updatedAt: now.toISOString() };
  if (install.intent === 'uninstall') {
    // 404: nothing of the app was there, which is what uninstall wants.
    if (outcome.status === 'acknowledged' || outcome.statusCode === '404') return { ...done, state: 'notInstalled', cspStatus: null, errorCode: null, errorDescription: null };
    return { ...done, state: 'uninstallFailed', errorCode: outcome.statusCode, errorDescription: `The device answered the Delete with SyncML status ${outcome.statusCode}.` };
  }
  if (outcome.status === 'acknowledged') return done;
  return failed(done, outcome.statusCode, `The device answered DownloadInstall with SyncML status ${outcome.statusCode}.`, now);
}
