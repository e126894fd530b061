/**
 * Graph's `windowsProtectionState` of a managed device, filled from the Defender CSP's Health
 * nodes the device reported (kept in its inventory under `Defender/Health/...`).
 *
 * Node names and value codes: Defender CSP,
 * https://learn.microsoft.com/windows/client-management/mdm/defender-csp (Health/ProductStatus
 * and Health/ComputerState are bitmasks whose bits are the members of Graph's
 * windowsDefenderProductStatus and windowsDeviceHealthState flag enums, in the same order).
 *
 * Windows reports nothing unasked: management reads these nodes right behind a scan or a
 * signature update (the values those change), so a device that was never scanned or updated
 * from Graph has no state yet. Compliance reads DefenderEnabled and RtpEnabled on its own
 * schedule; those alone do not make a report.
 */
import type { NewCommand } from '../store/store.js';

const HEALTH = './Device/Vendor/MSFT/Defender/Health';

/** The Health leaves windowsProtectionState is made of. */
export const DEFENDER_HEALTH_NODES = [
  'ProductStatus',
  'ComputerState',
  'DefenderEnabled',
  'RtpEnabled',
  'NisEnabled',
  'QuickScanOverdue',
  'FullScanOverdue',
  'SignatureOutOfDate',
  'RebootRequired',
  'FullScanRequired',
  'EngineVersion',
  'SignatureVersion',
  'DefenderVersion',
  'QuickScanTime',
  'FullScanTime',
  'QuickScanSigVersion',
  'FullScanSigVersion',
  'TamperProtectionEnabled',
  'IsVirtualMachine',
] as const;

/**
 * Inventory key stamped by management (not by the device: `#` is no CSP name character) when a
 * message brought Health/ProductStatus, which only these reads ask for; Graph's lastReportedDateTime.
 */
export const HEALTH_REPORTED_AT = 'Defender/Health#reportedAt';
const REPORT_MARKER = 'Defender/Health/ProductStatus';

export function defenderHealthReads(): NewCommand[] {
  return DEFENDER_HEALTH_NODES.map((node) => ({ verb: 'Get', locUri: `${HEALTH}/${node}` }));
}

/** The stamp to add to what a message reported, when it reported the Health nodes. */
export function healthReportStamp(reported: Record<string, string>, at: string): Record<string, string> {
  return reported[REPORT_MARKER] !== undefined ? { [HEALTH_REPORTED_AT]: at } : {};
}

/** windowsDefenderProductStatus members by bit (Graph names them in the CSP's bit order). */
const PRODUCT_STATUS = [
  'serviceNotRunning',
  'serviceStartedWithoutMalwareProtection',
  'pendingFullScanDueToThreatAction',
  'pendingRebootDueToThreatAction',
  'pendingManualStepsDueToThreatAction',
  'avSignaturesOutOfDate',
  'asSignaturesOutOfDate',
  'noQuickScanHappenedForSpecifiedPeriod',
  'noFullScanHappenedForSpecifiedPeriod',
  'systemInitiatedScanInProgress',
  'systemInitiatedCleanInProgress',
  'samplesPendingSubmission',
  'productRunningInEvaluationMode',
  'productRunningInNonGenuineMode',
  'productExpired',
  'offlineScanRequired',
  'serviceShutdownAsPartOfSystemShutdown',
  'threatRemediationFailedCritically',
  'threatRemediationFailedNonCritically',
  'noStatusFlagsSet',
  'platformOutOfDate',
  'platformUpdateInProgress',
  'platformAboutToBeOutdated',
  'signatureOrPlatformEndOfLifeIsPastOrIsImpending',
  'windowsSModeSignaturesInUseOnNonWin10SInstall',
] as const;

/** windowsDeviceHealthState members by bit (ComputerState: 1 full scan, 2 reboot, 4 manual steps, 8 offline scan, 16 critical). */
const DEVICE_STATE = ['fullScanPending', 'rebootPending', 'manualStepsPending', 'offlineScanPending', 'critical'] as const;

/** A flag enum as Graph serialises one: its members comma-separated, `zero` when no bit is set. */
function flags(raw: string | undefined, members: readonly string[], zero: string): string | null {
  if (raw === undefined || !/^\d{1,10}$/.test(raw.trim())) return null;
  const value = Number(raw.trim());
  if (value === 0) return zero;
  const set = members.filter((_, bit) => Math.floor(value / 2 ** bit) % 2 === 1);
  return set.length > 0 ? set.join(',') : null;
}

function bool(raw: string | undefined): boolean | null {
  const v = raw?.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return null;
}

function text(raw: string | undefined): string | null {
  return raw === undefined || raw === '' ? null : raw;
}

/**
 * A scan time as ISO 8601 UTC. The CSP types it only as a string: Windows' own form varies with
 * the build, so both ISO 8601 and the US `MM/dd/yyyy HH:mm:ss` form (UTC) are read; anything
 * else is left out rather than guessed.
 */
export function scanTime(raw: string | undefined): string | null {
  const v = raw?.trim();
  if (!v) return null;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?: UTC)?$/.exec(v);
  const ms = us
    ? Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), Number(us[4]), Number(us[5]), Number(us[6]))
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)
      ? Date.parse(v)
      : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** The device's windowsProtectionState, or undefined when it never reported its Defender health. */
export function windowsProtectionState(id: string, inventory: Record<string, string>): Record<string, unknown> | undefined {
  const reportedAt = inventory[HEALTH_REPORTED_AT];
  if (reportedAt === undefined) return undefined;
  const h = (node: (typeof DEFENDER_HEALTH_NODES)[number]) => inventory[`Defender/Health/${node}`];
  return {
    '@odata.type': '#microsoft.graph.windowsProtectionState',
    id,
    malwareProtectionEnabled: bool(h('DefenderEnabled')),
    deviceState: flags(h('ComputerState'), DEVICE_STATE, 'clean'),
    realTimeProtectionEnabled: bool(h('RtpEnabled')),
    networkInspectionSystemEnabled: bool(h('NisEnabled')),
    quickScanOverdue: bool(h('QuickScanOverdue')),
    fullScanOverdue: bool(h('FullScanOverdue')),
    signatureUpdateOverdue: bool(h('SignatureOutOfDate')),
    rebootRequired: bool(h('RebootRequired')),
    fullScanRequired: bool(h('FullScanRequired')),
    engineVersion: text(h('EngineVersion')),
    signatureVersion: text(h('SignatureVersion')),
    antiMalwareVersion: text(h('DefenderVersion')),
    lastQuickScanDateTime: scanTime(h('QuickScanTime')),
    lastFullScanDateTime: scanTime(h('FullScanTime')),
    lastQuickScanSignatureVersion: text(h('QuickScanSigVersion')),
    lastFullScanSignatureVersion: text(h('FullScanSigVersion')),
    lastReportedDateTime: reportedAt,
    productStatus: flags(h('ProductStatus'), PRODUCT_STATUS, 'noStatus'),
    isVirtualMachine: bool(h('IsVirtualMachine')),
    tamperProtectionEnabled: bool(h('TamperProtectionEnabled')),
  };
}
