/**
 * Graph's windowsProtectionState as the device page lists it: the fields an administrator acts
 * on, in words. Graph sends null for what the device did not report; that reads as a dash. Pure.
 */
import { when } from '../components/when.js';

export interface WindowsProtectionState {
  malwareProtectionEnabled?: boolean | null;
  realTimeProtectionEnabled?: boolean | null;
  signatureVersion?: string | null;
  engineVersion?: string | null;
  lastQuickScanDateTime?: string | null;
  lastFullScanDateTime?: string | null;
  quickScanOverdue?: boolean | null;
  fullScanOverdue?: boolean | null;
  signatureUpdateOverdue?: boolean | null;
  deviceState?: string | null;
  productStatus?: string | null;
  lastReportedDateTime?: string | null;
}

function yesNo(value: boolean | null | undefined, yes = 'Yes', no = 'No'): string {
  return value === true ? yes : value === false ? no : '—';
}

/** A Graph flag enum ("rebootPending,critical") as a list a person reads. */
function flagList(value: string | null | undefined): string {
  return value ? value.split(',').join(', ') : '—';
}

export function protectionRows(state: WindowsProtectionState): Array<[string, string]> {
  return [
    ['Malware protection', yesNo(state.malwareProtectionEnabled, 'Enabled', 'Disabled')],
    ['Real-time protection', yesNo(state.realTimeProtectionEnabled, 'Enabled', 'Disabled')],
    ['Signature version', state.signatureVersion ?? '—'],
    ['Engine version', state.engineVersion ?? '—'],
    ['Last quick scan', when(state.lastQuickScanDateTime)],
    ['Last full scan', when(state.lastFullScanDateTime)],
    ['Quick scan overdue', yesNo(state.quickScanOverdue)],
    ['Full scan overdue', yesNo(state.fullScanOverdue)],
    ['Signatures out of date', yesNo(state.signatureUpdateOverdue)],
    ['Device state', flagList(state.deviceState)],
    ['Product status', flagList(state.productStatus)],
    ['Last reported', when(state.lastReportedDateTime)],
  ];
}
