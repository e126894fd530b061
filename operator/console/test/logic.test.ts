// The console's pure logic: routes, Graph errors, links it may follow, queries, actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, pathOf, type Route } from '../src/routes.js';
import { describeError, graphErrorOf, GraphRequestError } from '../src/graph/errors.js';
import { odataString, sameOriginUrl } from '../src/graph/links.js';
import { complianceCountPath, serialFilterPath } from '../src/graph/queries.js';
import { actionPath, REMOTE_ACTIONS } from '../src/views/actions.js';
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

test('remote actions post to the Graph action of the device, and wipe removes everything', () => {
  assert.deepEqual(REMOTE_ACTIONS.map((a) => a.name), ['syncDevice', 'rebootNow', 'retire', 'wipe']);
  assert.equal(actionPath('/graph/v1.0/deviceManagement/managedDevices', 'a/b', REMOTE_ACTIONS[0]!), '/graph/v1.0/deviceManagement/managedDevices/a%2Fb/syncDevice');
  assert.deepEqual(REMOTE_ACTIONS.find((a) => a.name === 'wipe')!.body, { keepEnrollmentData: false, keepUserData: false });
});

test('profiles and assignment targets read as the Intune portal names them', () => {
  assert.equal(profileKind('#microsoft.graph.azureADWindowsAutopilotDeploymentProfile'), 'Entra joined');
  assert.equal(profileKind('#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile'), 'Hybrid joined');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }), 'All devices');
  assert.equal(describeTarget({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' }), 'Group g1');
});
