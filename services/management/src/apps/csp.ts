/**
 * The device-side nodes apps and the Enrollment Status Page are delivered through.
 *
 * EnterpriseDesktopAppManagement: an MSI is Added under `MSI/{ProductID}` and installed by an
 * Exec of `DownloadInstall` carrying an MsiInstallJob; the install runs asynchronously, and the
 * `Status` node (10 initialized … 60 enforcement failed, 70 enforcement completed) and
 * `LastError` tell how it went. Windows delivers Win32 (.intunewin) apps through the Intune
 * Management Extension, an agent of its own; Baton's device has no such agent, so a Win32 app
 * travels the same CSP under its product code.
 *
 * DMClient FirstSyncStatus: what the Enrollment Status Page waits for. ExpectedMSIAppPackages
 * lists the Status nodes of the apps it blocks on (`<LocURI>;<count>`, separated by U+F000).
 */
import { buildMsiInstallJob } from '@baton/protocols';
import type { ItemCommand } from '../store/store.js';
import { PROVIDER_ID } from '../enrollment/enroll.js';

export type AppScope = 'device' | 'user';

/** The CSP's Status values. */
export const MSI_STATUS = {
  initialized: 10,
  downloadInProgress: 20,
  pendingDownloadRetry: 25,
  downloadFailed: 30,
  downloadCompleted: 40,
  pendingUserSession: 48,
  enforcementInProgress: 50,
  pendingEnforcementRetry: 55,
  enforcementFailed: 60,
  enforcementCompleted: 70,
} as const;

export const LIST_DELIMITER = '\uF000';

const EDAM = 'Vendor/MSFT/EnterpriseDesktopAppManagement/MSI';
const root = (scope: AppScope) => (scope === 'user' ? './User' : './Device');

export function msiNode(scope: AppScope, productCode: string): string {
  return `${root(scope)}/${EDAM}/${encodeURIComponent(productCode)}`;
}

/** Reads `MSI/{ProductID}/<leaf>` from a LocURI in either spelling (`./Device/Vendor` or `./Vendor`, encoded braces or not). */
export function parseMsiUri(locUri: string): { scope: AppScope; productCode: string; leaf: string } | undefined {
  const m = /^\.\/(User\/|Device\/)?Vendor\/MSFT\/EnterpriseDesktopAppManagement\/MSI\/([^/]+)\/([A-Za-z]+)$/.exec(locUri);
  if (!m) return undefined;
  let productCode: string;
  try {
    productCode = decodeURIComponent(m[2]!).toUpperCase();
  } catch {
    return undefined;
  }
  return { scope: m[1] === 'User/' ? 'user' : 'device', productCode, leaf: m[3]! };
}

export interface InstallJobInput {
  productCode: string;
  productVersion: string;
  contentUrl: string;
  fileHash: string;
  commandLine: string;
}

export function installCommands(scope: AppScope, job: InstallJobInput, withAdd: boolean): ItemCommand[] {
  const node = msiNode(scope, job.productCode);
  const exec: ItemCommand = {
    verb: 'Exec',
    locUri: `${node}/DownloadInstall`,
    payload: {
      format: 'xml',
      type: 'text/plain',
      data: buildMsiInstallJob({
        productId: job.productCode,
        productVersion: job.productVersion,
        contentUrls: [job.contentUrl],
        fileHash: job.fileHash,
        commandLine: job.commandLine,
        timeoutMinutes: 10,
        retryCount: 3,
        retryIntervalMinutes: 5,
      }),
    },
  };
  return withAdd ? [{ verb: 'Add', locUri: node, payload: { format: 'node' } }, exec] : [exec];
}

export function statusGets(scope: AppScope, productCode: string): ItemCommand[] {
  const node = msiNode(scope, productCode);
  return [
    { verb: 'Get', locUri: `${node}/Status` },
    { verb: 'Get', locUri: `${node}/LastError` },
  ];
}

export function uninstallCommand(scope: AppScope, productCode: string): ItemCommand {
  return { verb: 'Delete', locUri: msiNode(scope, productCode) };
}

const firstSync = (scope: AppScope) => `${root(scope)}/Vendor/MSFT/DMClient/Provider/${PROVIDER_ID}/FirstSyncStatus`;

export const FIRST_SYNC_NODES = {
  wasDeviceSuccessfullyProvisioned: `${firstSync('device')}/WasDeviceSuccessfullyProvisioned`,
};

export interface EspNodes {
  deviceApps: string[];
  userApps: string[];
  timeoutMinutes: number;
  /** Remediation offered on failure, as bits: 1 reset, 2 try again, 4 continue anyway. */
  blockInStatusPage: number;
  allowCollectLogs: boolean;
  customErrorText: string | null;
  skipUserStatusPage: boolean;
}

/** An app the ESP waits for, in the part of the tree it is installed to. */
export interface TrackedApp {
  scope: AppScope;
  productCode: string;
}

export function expectedPackages(apps: readonly TrackedApp[]): string {
  return apps.map((a) => `${msiNode(a.scope, a.productCode)}/Status;1`).join(LIST_DELIMITER);
}

const inScope = (scope: AppScope, productCodes: readonly string[]): TrackedApp[] => productCodes.map((productCode) => ({ scope, productCode }));

/** The FirstSyncStatus writes of a new enrollment's first session. */
export function espCommands(esp: EspNodes): ItemCommand[] {
  const device = firstSync('device');
  const set = (locUri: string, data: string, format: string): ItemCommand => ({ verb: 'Replace', locUri, payload: { data, format } });
  const out: ItemCommand[] = [
    set(`${device}/SkipDeviceStatusPage`, 'false', 'bool'),
    set(`${device}/SkipUserStatusPage`, String(esp.skipUserStatusPage), 'bool'),
    set(`${device}/TimeOutUntilSyncFailure`, String(esp.timeoutMinutes), 'int'),
    set(`${device}/BlockInStatusPage`, String(esp.blockInStatusPage), 'int'),
    set(`${device}/AllowCollectLogsButton`, String(esp.allowCollectLogs), 'bool'),
    set(`${device}/ExpectedMSIAppPackages`, expectedPackages(inScope('device', esp.deviceApps)), 'chr'),
  ];
  if (esp.customErrorText) out.push(set(`${device}/CustomErrorText`, esp.customErrorText, 'chr'));
  if (esp.userApps.length > 0) out.push(accountSetupApps(inScope('user', esp.userApps)));
  return out;
}

/**
 * What account setup waits for. Written with the first session's ESP when the user is known
 * then; for a pre-provisioned device, when its user's first session arrives. Its apps may sit
 * in the device's part of the tree (an app assigned to the user's group installs per device).
 */
export function accountSetupApps(apps: readonly TrackedApp[]): ItemCommand {
  return { verb: 'Replace', locUri: `${firstSync('user')}/ExpectedMSIAppPackages`, payload: { data: expectedPackages(apps), format: 'chr' } };
}

export function finishedProvisioning(scope: AppScope): ItemCommand {
  return { verb: 'Replace', locUri: `${firstSync(scope)}/ServerHasFinishedProvisioning`, payload: { data: 'true', format: 'bool' } };
}

/** `0x80070643` → 1603: the Win32 error inside an HRESULT of FACILITY_WIN32, or a plain exit code. */
export function win32CodeOf(errorCode: string): number | undefined {
  const t = errorCode.trim();
  if (/^0x8007[0-9a-f]{4}$/i.test(t)) return parseInt(t.slice(6), 16);
  if (/^\d{1,10}$/.test(t)) return Number(t);
  return undefined;
}

/** Graph's errorCode is an Int32: an HRESULT read as signed. */
export function graphErrorCode(errorCode: string | null): number {
  if (!errorCode) return 0;
  const t = errorCode.trim();
  const n = /^0x[0-9a-f]{1,8}$/i.test(t) ? parseInt(t.slice(2), 16) : /^-?\d{1,10}$/.test(t) ? Number(t) : 0;
  return n | 0;
}

/** LastError as the device reports it (decimal or hex) in the `0x%08X` form Windows shows. */
export function normalizeErrorCode(raw: string): string | null {
  const t = raw.trim();
  if (t === '' || t === '0' || /^0x0+$/i.test(t)) return null;
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return `0x${parseInt(t.slice(2), 16).toString(16).toUpperCase().padStart(8, '0')}`;
  if (/^-?\d{1,10}$/.test(t)) {
    const n = Number(t);
    if (n >= 0 && n < 65536) return String(n);
    return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return t.slice(0, 64);
}
