/**
 * The counts a policy's deviceStatusOverview and an app's installSummary carry, as labelled rows
 * in the order the Intune portal shows them. A count the service left out is not shown. Pure.
 */
export type Overview = Partial<Record<string, unknown>>;
export type CountRow = [label: string, count: number];

/** Compliance says "compliant"/"not compliant" where a configuration profile says "succeeded"/"failed". */
export function overviewRows(overview: Overview, kind: 'compliance' | 'configuration'): CountRow[] {
  const labels: Array<[string, string]> = [
    ['successCount', kind === 'compliance' ? 'Compliant' : 'Succeeded'],
    ['failedCount', kind === 'compliance' ? 'Not compliant' : 'Failed'],
    ['errorCount', 'Error'],
    ['conflictCount', 'Conflict'],
    ['pendingCount', 'Pending'],
    ['notApplicableCount', 'Not applicable'],
  ];
  return rowsOf(overview, labels);
}

export function installRows(summary: Overview, per: 'Device' | 'User'): CountRow[] {
  return rowsOf(summary, [
    [`installed${per}Count`, 'Installed'],
    [`failed${per}Count`, 'Failed'],
    [`pendingInstall${per}Count`, 'Install pending'],
    [`notInstalled${per}Count`, 'Not installed'],
    [`notApplicable${per}Count`, 'Not applicable'],
  ]);
}

function rowsOf(source: Overview, labels: Array<[string, string]>): CountRow[] {
  return labels.flatMap(([key, label]) => {
    const n = source[key];
    return typeof n === 'number' ? [[label, n] as CountRow] : [];
  });
}
