// The console's pure logic: routes, Graph errors, links it may follow, queries, actions, device names, Defender health,
// assignment targets, status counts, Enrollment Status Page settings, group members, type names and recovery keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, pathOf, sectionOf, type Route } from '../src/routes.js';
import { describeError, graphErrorOf, GraphRequestError } from '../src/graph/errors.js';
import { odataString, sameOriginUrl } from '../src/graph/links.js';
import { complianceCountPath, recoveryKeyPasswordPath, recoveryKeysPath, serialFilterPath } from '../src/graph/queries.js';
import { hasEntraDeviceId, newestFirst, volumeLabel } from '../src/views/recovery-keys.js';
import { actionPath, REMOTE_ACTIONS, RENAME_ACTION, resultLabel } from '../src/views/actions.js';
import { deviceNameProblem } from '../src/views/device-name.js';
import { protectionRows } from '../src/views/protection-state.js';
import { deploymentMode, describeTarget, profileKind } from '../src/views/profile-text.js';
import { NEW_PROFILE, profileBody, profileFormProblem } from '../src/views/profile-body.js';
import { assignmentTarget, assignWith, assignWithout } from '../src/views/assignment-body.js';
import { complianceBody, complianceFormProblem, NEW_COMPLIANCE_POLICY } from '../src/views/compliance-body.js';
import { groupIdsOf, intentLabel, targetMode, targetName } from '../src/views/assignment-text.js';
import { installRows, overviewRows } from '../src/views/status-counts.js';
import { espRows, isEsp, ESP_TYPE } from '../src/views/esp-text.js';
import { memberDetail, memberKind } from '../src/views/member-kind.js';
import { typeName } from '../src/views/type-names.js';
import { COMPLIANCE, CONFIGURATION, policyPath } from '../src/views/policy-kinds.js';

test('every page round-trips through its path, and unknown paths are not found', () => {
  const routes: Route[] = [
    { page: 'overview' },
    { page: 'autopilot' },
    { page: 'profiles' },
    { page: 'directory' },
    { page: 'group', id: 'g1' },
    { page: 'managed' },
    { page: 'device', id: 'a b/c' },
    { page: 'compliance' },
    { page: 'compliancePolicy', id: 'p1' },
    { page: 'configurations' },
    { page: 'configurationProfile', id: 'c1' },
    { page: 'apps' },
    { page: 'app', id: 'a1' },
    { page: 'esp' },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(pathOf(route)), route);
  assert.equal(pathOf({ page: 'compliancePolicy', id: 'p1' }), '/console/compliance-policies/p1');
  assert.equal(parseRoute('/console/enrollment-status-page/x').page, 'notFound', 'the ESP list has no item pages');
  assert.deepEqual(parseRoute('/console/managed-devices/'), { page: 'managed' });
  assert.equal(parseRoute('/console/nowhere').page, 'notFound');
  assert.equal(parseRoute('/console/managed-devices/x/y').page, 'notFound');
  assert.equal(parseRoute('/elsewhere').page, 'notFound');
});

test('an item page keeps its list selected in the navigation', () => {
  assert.equal(sectionOf({ page: 'device', id: 'd' }), 'managed');
  assert.equal(sectionOf({ page: 'compliancePolicy', id: 'p' }), 'compliance');
  assert.equal(sectionOf({ page: 'configurationProfile', id: 'p' }), 'configurations');
  assert.equal(sectionOf({ page: 'app', id: 'a' }), 'apps');
  assert.equal(sectionOf({ page: 'group', id: 'g' }), 'directory');
  assert.equal(sectionOf({ page: 'esp' }), 'esp');
});

test("a Graph error envelope gives the service's code, message and request id", () => {
  const error = graphErrorOf(403, JSON.stringify({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges.', innerError: { 'request-id': 'r-1' } } }));
  assert.ok(error instanceof GraphRequestError);
  assert.equal(error.status, 403);
  assert.equal(error.code, 'Authorization_RequestDenied');
  assert.deepEqual(describeError(error), { code: 'Authorization_RequestDenied', message: 'Insufficient privileges. (request-id r-1)' });
});

test('OAuth errors and bodies that are not JSON still say what happened', () => {
  assert.deepEqual(describeError(graphErrorOf(400, JSON.stringify({ error: 'invalid_grant', error_description: 'The code expired.' }))), { code: 'invalid_grant', message: 'The code expired.' });
  assert.deepEqual(describeError(graphErrorOf(502, '<html>bad gateway</html>')), { code: 'HTTP 502', message: '<html>bad gateway</html>' });
  assert.deepEqual(describeError(graphErrorOf(500, '')), { code: 'HTTP 500', message: 'The service answered without a body.' });
});

test('the token only follows links to its own origin', () => {
  const origin = 'https://baton.example:8443';
  assert.equal(sameOriginUrl('/graph/v1.0/users', origin), 'https://baton.example:8443/graph/v1.0/users');
  assert.equal(sameOriginUrl('https://baton.example:8443/graph/v1.0/users?$skiptoken=x', origin), 'https://baton.example:8443/graph/v1.0/users?$skiptoken=x');
  assert.throws(() => sameOriginUrl('https://evil.example/graph/v1.0/users', origin), /another origin/);
  assert.throws(() => sameOriginUrl('//evil.example/x', origin), /another origin/);
});

test('filters quote what the administrator typed as an OData string', () => {
  assert.equal(odataString("O'Brien"), "'O''Brien'");
  assert.equal(serialFilterPath('  '), '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities');
  assert.equal(decodeURIComponent(serialFilterPath(" PF'1 ").split('$filter=')[1]!), "contains(serialNumber,'PF''1')");
  assert.equal(decodeURIComponent(complianceCountPath('noncompliant').split('$filter=')[1]!), "complianceState eq 'noncompliant'");
});

test('remote actions post to the Graph action of the device, on beta for the beta-only ones', () => {
  const byId = (id: string) => REMOTE_ACTIONS.find((a) => a.id === id)!;
  assert.deepEqual(
    REMOTE_ACTIONS.map((a) => a.name),
    ['syncDevice', 'rebootNow', 'windowsDefenderScan', 'windowsDefenderScan', 'windowsDefenderUpdateSignatures', 'rotateBitLockerKeys', 'retire', 'wipe'],
  );
  assert.equal(new Set(REMOTE_ACTIONS.map((a) => a.id)).size, REMOTE_ACTIONS.length, 'one id per button');
  assert.equal(actionPath('a/b', byId('sync')), '/graph/v1.0/deviceManagement/managedDevices/a%2Fb/syncDevice');
  assert.equal(actionPath('d1', byId('rotateBitLocker')), '/graph/beta/deviceManagement/managedDevices/d1/rotateBitLockerKeys');
  assert.equal(actionPath('d1', RENAME_ACTION), '/graph/beta/deviceManagement/managedDevices/d1/setDeviceName');
  assert.equal(actionPath('d1', byId('updateSignatures')), '/graph/v1.0/deviceManagement/managedDevices/d1/windowsDefenderUpdateSignatures');
  assert.deepEqual(byId('quickScan').body, { quickScan: true });
  assert.deepEqual(byId('fullScan').body, { quickScan: false });
  assert.deepEqual(byId('wipe').body, { keepEnrollmentData: false, keepUserData: false });
  assert.deepEqual(REMOTE_ACTIONS.filter((a) => a.destructive).map((a) => a.name), ['retire', 'wipe']);
  assert.equal(resultLabel('windowsDefenderScan'), 'Defender scan');
  assert.equal(resultLabel('someFutureAction'), 'someFutureAction');
  assert.equal(resultLabel('toString'), 'toString');
});

test('device names are checked as management checks them: 15 letters, digits or hyphens, not digits alone', () => {
  for (const good of ['PC1', 'KIOSK-07', 'A', 'abcdefghijklmno', '1-2', '-']) assert.equal(deviceNameProblem(good), undefined, good);
  assert.match(deviceNameProblem('')!, /Enter a name/);
  assert.match(deviceNameProblem('abcdefghijklmnop')!, /At most 15 characters \(this one has 16\)/);
  for (const bad of ['has space', 'dot.name', 'PC_1', 'PC-%SERIAL%', 'ÉCOLE']) assert.match(deviceNameProblem(bad)!, /letters, digits and hyphens/, bad);
  assert.match(deviceNameProblem('1234')!, /Not digits alone/);
});

test("Defender health reads in words, and what the device did not report is a dash", () => {
  const rows = new Map(
    protectionRows({
      malwareProtectionEnabled: true,
      realTimeProtectionEnabled: false,
      signatureVersion: '1.403.1.0',
      engineVersion: null,
      quickScanOverdue: false,
      fullScanOverdue: null,
      deviceState: 'rebootPending,critical',
      productStatus: 'noStatus',
      lastQuickScanDateTime: null,
    }),
  );
  assert.equal(rows.get('Malware protection'), 'Enabled');
  assert.equal(rows.get('Real-time protection'), 'Disabled');
  assert.equal(rows.get('Signature version'), '1.403.1.0');
  assert.equal(rows.get('Engine version'), '—');
  assert.equal(rows.get('Quick scan overdue'), 'No');
  assert.equal(rows.get('Full scan overdue'), '—');
  assert.equal(rows.get('Last quick scan'), '—');
  assert.equal(rows.get('Device state'), 'rebootPending, critical');
  assert.equal(rows.get('Product status'), 'noStatus');
});

test('profiles and assignment targets read as the Intune portal names them', () => {
  assert.equal(profileKind('#microsoft.graph.azureADWindowsAutopilotDeploymentProfile'), 'Entra joined');
  assert.equal(profileKind('#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile'), 'Hybrid joined');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }), 'All devices');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' }), 'Group g1');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' }, 'Kiosks'), 'Group Kiosks');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g1' }, 'Lab'), 'Excluded: Lab');
});

test('assignment targets: the all-targets by their portal names, groups by their resolved names, and app intents', () => {
  const group = { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' };
  const excluded = { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g2' };
  const all = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
  assert.equal(targetName(all), 'All devices');
  assert.equal(targetName({ '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' }), 'All users');
  assert.equal(targetName(group, 'Finance laptops'), 'Finance laptops');
  assert.equal(targetName(group), 'g1', 'the id while the name is not known');
  assert.equal(targetName({ '@odata.type': '#microsoft.graph.somethingNewAssignmentTarget' }), 'somethingNewAssignmentTarget');
  assert.deepEqual([targetMode(group), targetMode(excluded), targetMode(all)], ['Included', 'Excluded', 'Included']);
  assert.deepEqual(groupIdsOf([group, excluded, all, group]), ['g1', 'g2']);
  assert.equal(intentLabel('required'), 'Required');
  assert.equal(intentLabel('available'), 'Available for enrolled devices');
  assert.equal(intentLabel('uninstall'), 'Uninstall');
  assert.equal(intentLabel('constructor'), 'constructor');
});

test("status overviews and install summaries read as labelled counts, each policy kind in its own words", () => {
  const overview = { id: 'x', successCount: 3, failedCount: 1, errorCount: 0, pendingCount: 2, notApplicableCount: 0, lastUpdateDateTime: '2025-01-01T00:00:00Z' };
  assert.deepEqual(overviewRows(overview, 'compliance'), [['Compliant', 3], ['Not compliant', 1], ['Error', 0], ['Pending', 2], ['Not applicable', 0]]);
  assert.deepEqual(overviewRows({ ...overview, conflictCount: 1 }, 'configuration').slice(0, 4), [['Succeeded', 3], ['Failed', 1], ['Error', 0], ['Conflict', 1]]);
  const summary = { installedDeviceCount: 2, failedDeviceCount: 1, pendingInstallDeviceCount: 0, notInstalledDeviceCount: 0, notApplicableDeviceCount: 0, installedUserCount: 1 };
  assert.deepEqual(installRows(summary, 'Device'), [['Installed', 2], ['Failed', 1], ['Install pending', 0], ['Not installed', 0], ['Not applicable', 0]]);
  assert.deepEqual(installRows(summary, 'User'), [['Installed', 1]], 'counts the service left out are not shown');
});

test('Enrollment Status Page settings in words, blocking apps by name', () => {
  assert.equal(isEsp({ '@odata.type': ESP_TYPE }), true);
  assert.equal(isEsp({ '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration' }), false);
  const rows = new Map(
    espRows(
      {
        '@odata.type': ESP_TYPE,
        id: 'e1',
        displayName: 'ESP',
        showInstallationProgress: true,
        installProgressTimeoutInMinutes: 45,
        blockDeviceSetupRetryByUser: true,
        allowDeviceResetOnInstallFailure: true,
        selectedMobileAppIds: ['a1', 'a2'],
        customErrorMessage: 'Call the help desk.',
      },
      new Map([['a1', 'Company Portal']]),
    ),
  );
  assert.equal(rows.get('Show app and profile progress'), 'Yes');
  assert.equal(rows.get('Time limit'), '45 minutes');
  assert.equal(rows.get('Blocking apps'), 'Company Portal, a2');
  assert.equal(rows.get('Allow the user to retry'), 'No');
  assert.equal(rows.get('Allow reset on failure'), 'Yes');
  assert.equal(rows.get('Allow use on failure'), 'No');
  assert.equal(rows.get('Error message'), 'Call the help desk.');
  const hidden = new Map(espRows({ id: 'e2', displayName: 'Off', installProgressTimeoutInMinutes: 60 }));
  assert.equal(hidden.get('Show app and profile progress'), 'No');
  assert.equal(hidden.get('Time limit'), '—', 'no time limit when the page is not shown');
  assert.equal(hidden.get('Blocking apps'), 'All assigned required apps');
  assert.equal(hidden.get('Allow the user to retry'), 'Yes');
});

test('group members are told apart by their @odata.type', () => {
  assert.equal(memberKind({ '@odata.type': '#microsoft.graph.user', id: 'u' }), 'User');
  assert.equal(memberKind({ '@odata.type': '#microsoft.graph.device', id: 'd' }), 'Device');
  assert.equal(memberKind({ '@odata.type': '#microsoft.graph.group', id: 'g' }), 'Group');
  assert.equal(memberKind({ id: 'x' }), 'Other');
  assert.equal(memberDetail({ id: 'u', userPrincipalName: 'ada@contoso.test' }), 'ada@contoso.test');
  assert.equal(memberDetail({ id: 'd', deviceId: 'dev-1' }), 'dev-1');
});

test('policy, profile and app types read as the portal names them; policy paths per kind', () => {
  assert.equal(typeName('#microsoft.graph.windows10CompliancePolicy'), 'Windows 10 and later');
  assert.equal(typeName('#microsoft.graph.windows10GeneralConfiguration'), 'Device restrictions');
  assert.equal(typeName('#microsoft.graph.win32LobApp'), 'Windows app (Win32)');
  assert.equal(typeName('#microsoft.graph.iosVppApp'), 'iosVppApp');
  assert.equal(typeName(undefined), '—');
  assert.equal(typeName('#microsoft.graph.toString'), 'toString');
  assert.equal(policyPath(COMPLIANCE, 'a/b', 'deviceStatusOverview'), '/graph/v1.0/deviceManagement/deviceCompliancePolicies/a%2Fb/deviceStatusOverview');
  assert.equal(policyPath(CONFIGURATION, 'c1'), '/graph/v1.0/deviceManagement/deviceConfigurations/c1');
});

test("a device's recovery keys: the filter by Entra device id, the audited key read, newest first, volume words", () => {
  const id = '6f1b2c3d-0000-4000-8000-00000000abcd';
  assert.equal(recoveryKeysPath(id), `/graph/v1.0/informationProtection/bitlocker/recoveryKeys?$filter=${encodeURIComponent(`deviceId eq '${id}'`)}`);
  assert.equal(recoveryKeyPasswordPath('k/1'), '/graph/v1.0/informationProtection/bitlocker/recoveryKeys/k%2F1?$select=key');
  const key = (keyId: string, createdDateTime: string) => ({ id: keyId, createdDateTime, volumeType: 'operatingSystemVolume', deviceId: id });
  const sorted = newestFirst([key('a', '2026-01-01T00:00:00Z'), key('b', '2026-03-01T00:00:00Z'), key('c', '2026-02-01T00:00:00Z')]);
  assert.deepEqual(sorted.map((k) => k.id), ['b', 'c', 'a']);
  assert.equal(volumeLabel('fixedDataVolume'), 'Fixed data volume');
  assert.equal(volumeLabel('unknownFutureValue'), 'unknownFutureValue');
  assert.equal(hasEntraDeviceId(id), true);
  assert.equal(hasEntraDeviceId('00000000-0000-0000-0000-000000000000'), false);
  assert.equal(hasEntraDeviceId(''), false);
});

test('a new profile from the form is the body discovery takes, and a self-deploying one has no administrator user', () => {
  assert.equal(profileFormProblem(NEW_PROFILE), 'A profile needs a name.');
  assert.equal(profileFormProblem({ ...NEW_PROFILE, displayName: '  ' }), 'A profile needs a name.');
  const userDriven = profileBody({ ...NEW_PROFILE, displayName: ' Sales laptops ', userType: 'administrator', deviceNameTemplate: ' SALES-%RAND:4% ' });
  assert.equal(userDriven['@odata.type'], '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile');
  assert.equal(userDriven.displayName, 'Sales laptops');
  assert.equal(userDriven.deviceNameTemplate, 'SALES-%RAND:4%');
  assert.deepEqual(userDriven.outOfBoxExperienceSetting, {
    deviceUsageType: 'singleUser',
    userType: 'administrator',
    eulaHidden: true,
    privacySettingsHidden: true,
    escapeLinkHidden: true,
    keyboardSelectionPageSkipped: true,
  });
  const kiosk = profileBody({ ...NEW_PROFILE, displayName: 'Kiosk', mode: 'selfDeploying', userType: 'administrator', eulaHidden: false });
  assert.equal('deviceNameTemplate' in kiosk, false, 'an empty template is left out');
  assert.equal((kiosk.outOfBoxExperienceSetting as Record<string, unknown>).deviceUsageType, 'shared');
  assert.equal((kiosk.outOfBoxExperienceSetting as Record<string, unknown>).userType, 'standard');
  assert.equal((kiosk.outOfBoxExperienceSetting as Record<string, unknown>).eulaHidden, false);
  assert.equal(deploymentMode('shared'), 'Self-deploying');
  assert.equal(deploymentMode('singleUser'), 'User-driven');
  assert.equal(deploymentMode(undefined), '—');
});

test('a policy\'s assign body is its current set with one target added once, or one assignment left out', () => {
  assert.deepEqual(assignmentTarget('allDevices'), { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' });
  assert.deepEqual(assignmentTarget({ groupId: 'g1' }), { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' });
  const TYPE = '#microsoft.graph.deviceCompliancePolicyAssignment';
  const current = [
    { id: 'a1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' } },
    { id: 'a2', target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g2' } },
  ];
  const added = assignWith(current, 'allDevices', TYPE);
  assert.deepEqual(added.assignments, [
    { '@odata.type': TYPE, target: current[0]!.target },
    { '@odata.type': TYPE, target: current[1]!.target },
    { '@odata.type': TYPE, target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } },
  ]);
  assert.equal(assignWith(current, { groupId: 'g1' }, TYPE).assignments.length, 2, 'a group already included is not added twice');
  assert.equal(assignWith(current, { groupId: 'g2' }, TYPE).assignments.length, 3, 'including an excluded group is another target');
  assert.deepEqual(assignWithout(current, 'a1', TYPE).assignments, [{ '@odata.type': TYPE, target: current[1]!.target }]);
  assert.deepEqual(assignWithout(current, 'nope', TYPE).assignments.length, 2);
});

test('a new compliance policy from the form is the Windows body management takes, with its block action after the grace days', () => {
  assert.equal(complianceFormProblem(NEW_COMPLIANCE_POLICY), 'A policy needs a name.');
  const named = { ...NEW_COMPLIANCE_POLICY, displayName: ' Baseline ' };
  assert.equal(complianceFormProblem(named), undefined);
  for (const graceDays of ['', '-1', '1.5', 'ten', '366']) assert.match(complianceFormProblem({ ...named, graceDays }) ?? '', /whole number/, graceDays);
  const body = complianceBody({ ...named, osMinimumVersion: ' 10.0.22631.0 ', graceDays: '3', passwordRequired: true });
  assert.equal(body['@odata.type'], '#microsoft.graph.windows10CompliancePolicy');
  assert.equal(body.displayName, 'Baseline');
  assert.equal(body.osMinimumVersion, '10.0.22631.0');
  assert.equal(body.bitLockerEnabled, true);
  assert.equal(body.passwordRequired, true);
  assert.deepEqual(body.scheduledActionsForRule, [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 72 }] }]);
  assert.equal('osMinimumVersion' in complianceBody(named), false, 'no minimum when the field is empty');
  assert.equal('description' in complianceBody(named), false, 'no description when the field is empty');
  assert.equal(complianceBody({ ...named, description: ' Why ' }).description, 'Why');
});
