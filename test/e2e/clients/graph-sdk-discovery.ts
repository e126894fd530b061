// Run as its own process with NODE_EXTRA_CA_CERTS set: an administrator's script on the
// Microsoft Graph JS SDK, registering devices and giving them a profile the way
// WindowsAutopilotIntune does, against Baton instead of graph.microsoft.com.
import { readFileSync } from 'node:fs';
import { adminAccessToken } from './admin-token.js';
import { Client } from '@microsoft/microsoft-graph-client';

const demo = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const input = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as { prefix: string; devices: Array<{ serialNumber: string; hardwareIdentifier: string }> };

const token = () => adminAccessToken(demo);

const client = Client.initWithMiddleware({
  authProvider: { getAccessToken: token },
  baseUrl: `${demo.baseUrl}/graph/`,
  defaultVersion: 'beta',
  customHosts: new Set([new URL(demo.baseUrl).hostname]),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const out: Record<string, unknown> = {};

// Add-AutopilotImportedDevice: one POST per device, state pending, then poll until complete.
const imported: Array<{ id: string }> = [];
for (const device of input.devices) {
  imported.push(
    await client.api('/deviceManagement/importedWindowsAutopilotDeviceIdentities').post({
      '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
      groupTag: 'Kiosk',
      serialNumber: device.serialNumber,
      productKey: '',
      hardwareIdentifier: device.hardwareIdentifier,
      assignedUserPrincipalName: '',
      state: { '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState', deviceImportStatus: 'pending', deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
    }),
  );
}
const statuses: string[] = [];
const registrationIds: string[] = [];
for (const { id } of imported) {
  let state = { deviceImportStatus: 'unknown', deviceRegistrationId: '' };
  for (let attempt = 0; attempt < 20 && state.deviceImportStatus !== 'complete' && state.deviceImportStatus !== 'error'; attempt++) {
    if (attempt > 0) await sleep(100);
    state = (await client.api(`/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`).get()).state;
  }
  statuses.push(state.deviceImportStatus);
  registrationIds.push(state.deviceRegistrationId);
}
out.importStatuses = statuses;
out.registrationIds = registrationIds;

// Get-AutopilotDevice: contains(serialNumber,…) and the nextLink loop, two to a page.
let page = await client
  .api('/deviceManagement/windowsAutopilotDeviceIdentities')
  .filter(`contains(serialNumber,'${input.prefix}')`)
  .top(2)
  .get();
const pages: string[][] = [];
const nextLinks: string[] = [];
for (;;) {
  pages.push(page.value.map((d: { id: string }) => d.id));
  const next = page['@odata.nextLink'];
  if (!next) break;
  nextLinks.push(next);
  page = await client.api(next).get();
}
out.pages = pages;
out.nextLinks = nextLinks;

// The same lookup for a known list of serials, in one request (serials as typed, in lower case).
const wanted = input.devices.slice(0, 2).map((d) => `'${d.serialNumber.toLowerCase()}'`);
out.bySerials = ((await client.api('/deviceManagement/windowsAutopilotDeviceIdentities').filter(`serialNumber in (${wanted.join(',')})`).get()).value as Array<{ id: string }>).map((d) => d.id);

// Only the profile this script assigns should decide the devices' status.
const existing = await client.api('/deviceManagement/windowsAutopilotDeploymentProfiles').get();
for (const profile of existing.value as Array<{ id: string }>) {
  const assignments = await client.api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`).get();
  for (const a of assignments.value as Array<{ id: string }>) {
    await client.api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments/${a.id}`).delete();
  }
}
const firstId = registrationIds[0]!;
out.statusBefore = (await client.api(`/deviceManagement/windowsAutopilotDeviceIdentities/${firstId}`).get()).deploymentProfileAssignmentStatus;

// New-AutopilotProfile writes the deprecated names.
const created = await client.api('/deviceManagement/windowsAutopilotDeploymentProfiles').post({
  '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
  displayName: 'SDK legacy names',
  description: 'created with the old property names',
  language: 'en-GB',
  extractHardwareHash: true,
  enableWhiteGlove: true,
  deviceNameTemplate: 'SDK-%SERIAL%',
  outOfBoxExperienceSettings: { hidePrivacySettings: true, hideEULA: true, userType: 'standard', deviceUsageType: 'singleUser', skipKeyboardSelectionPage: true, hideEscapeLink: true },
});
const read = await client.api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${created.id}`).get();
out.profileNew = {
  locale: read.locale,
  hardwareHashExtractionEnabled: read.hardwareHashExtractionEnabled,
  preprovisioningAllowed: read.preprovisioningAllowed,
  outOfBoxExperienceSetting: read.outOfBoxExperienceSetting,
};

// The group-tag pattern: a dynamic device group in identity (same Graph, v1.0) and the
// profile assigned to it; the devices were imported with group tag Kiosk.
const group = await client.api('/groups').version('v1.0').post({
  displayName: 'Autopilot: Kiosk',
  mailNickname: 'autopilot-kiosk',
  mailEnabled: false,
  securityEnabled: true,
  groupTypes: ['DynamicMembership'],
  membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Kiosk"))',
  membershipRuleProcessingState: 'On',
});
const assignment = await client
  .api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${created.id}/assignments`)
  .post({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } });
out.assignmentTarget = assignment.target['@odata.type'];
out.assignmentGroupId = assignment.target.groupId;
let after = { deploymentProfileAssignmentStatus: '', intendedDeploymentProfile: null as null | { id: string } };
for (let attempt = 0; attempt < 100 && !String(after.deploymentProfileAssignmentStatus).startsWith('assigned'); attempt++) {
  if (attempt > 0) await sleep(50);
  after = await client
    .api(`/deviceManagement/windowsAutopilotDeviceIdentities/${firstId}`)
    .expand(['deploymentProfile', 'intendedDeploymentProfile'])
    .get();
}
out.groupId = group.id;
out.statusAfter = after.deploymentProfileAssignmentStatus;
out.intendedProfileId = after.intendedDeploymentProfile?.id ?? null;
out.profileId = created.id;
process.stdout.write(JSON.stringify(out));
