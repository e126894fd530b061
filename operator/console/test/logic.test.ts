// The console's pure logic: routes, Graph errors, links it may follow, queries, actions, device names, Defender health.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, pathOf, type Route } from '../src/routes.js';
import { describeError, graphErrorOf, GraphRequestError } from '../src/graph/errors.js';
import { odataString, sameOriginUrl } from '../src/graph/links.js';
import { complianceCountPath, serialFilterPath } from '../src/graph/queries.js';
import { actionPath, REMOTE_ACTIONS, RENAME_ACTION, resultLabel } from '../src/views/actions.js';
import { deviceNameProblem } from '../src/views/device-name.js';
import { protectionRows } from '../src/views/protection-state.js';
import { describeTarget, profileKind } from '../src/views/profile-text.js';

test('every page round-trips through its path, and unknown paths are not found', () => {
  const routes: Route[] = [{ page: 'overview' }, { page: 'autopilot' }, { page: 'profiles' }, { page: 'directory' }, { page: 'managed' }, { page: 'device', id: 'a b/c' }];
  for (const route of routes) assert.deepEqual(parseRoute(pathOf(route)), route);
  assert.deepEqual(parseRoute('/console/managed-devices/'), { page: 'managed' });
  assert.equal(parseRoute('/console/nowhere').page, 'notFound');
  assert.equal(parseRoute('/console/managed-devices/x/y').page, 'notFound');
  assert.equal(parseRoute('/elsewhere').page, 'notFound');
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
});
