import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionalAccessValidationError } from './errors.js';
import { parseWhatIfRequest } from './what-if.js';

const USER = '11111111-1111-4111-8111-111111111111';
const APP = '22222222-2222-4222-8222-222222222222';

test('a Graph evaluate body becomes the evaluator input', () => {
  const { signIn, applications, appliedPoliciesOnly } = parseWhatIfRequest({
    signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: USER, externalUserType: 'b2bCollaborationGuest', externalTenantId: 'contoso.example' },
    signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [APP] },
    signInConditions: {
      devicePlatform: 'iOS',
      clientAppType: 'mobileAppsAndDesktopClients',
      ipAddress: '2001:db8::1',
      country: 'GB',
      signInRiskLevel: 'medium',
      insiderRiskLevel: 'minor',
      authenticationFlow: { transferMethod: 'deviceCodeFlow' },
      deviceInfo: { deviceId: 'd', ownership: 'Personal', isCompliant: false, trustType: 'Workplace', physicalIds: ['[ZTDID]:x'], extensionAttribute7: 'lab' },
    },
    appliedPoliciesOnly: true,
    '@baton.satisfiedControls': { mfa: true, termsOfUse: ['tou'] },
  });
  assert.equal(appliedPoliciesOnly, true);
  assert.deepEqual(applications, [APP]);
  assert.deepEqual(signIn, {
    identity: { kind: 'user', userId: USER, externalTenantId: 'contoso.example', guestOrExternalUserType: 'b2bCollaborationGuest' },
    target: { kind: 'application', appId: APP },
    clientAppType: 'mobileAppsAndDesktopClients',
    devicePlatform: 'iOS',
    ipAddress: '2001:db8::1',
    country: 'GB',
    device: { deviceId: 'd', trustType: 'Workplace', extensionAttribute7: 'lab', deviceOwnership: 'Personal', isCompliant: false, physicalIds: ['[ZTDID]:x'] },
    signInRiskLevel: 'medium',
    userRiskLevel: null,
    servicePrincipalRiskLevel: null,
    insiderRiskLevel: 'minor',
    authenticationFlow: 'deviceCodeFlow',
    satisfied: { mfa: true, termsOfUse: ['tou'] },
  });
});

test('contexts: user actions by Graph enum or URN, auth contexts, service principals; no deviceInfo is an unregistered device', () => {
  const base = { signInIdentity: { userId: USER } };
  assert.deepEqual(parseWhatIfRequest({ ...base, signInContext: { '@odata.type': '#microsoft.graph.userActionContext', userAction: 'registerOrJoinDevices' } }).signIn.target, {
    kind: 'userAction',
    userAction: 'urn:user:registerdevice',
  });
  assert.deepEqual(parseWhatIfRequest({ ...base, signInContext: { userAction: 'urn:user:registersecurityinfo' } }).signIn.target, { kind: 'userAction', userAction: 'urn:user:registersecurityinfo' });
  assert.deepEqual(parseWhatIfRequest({ ...base, signInContext: { authenticationContextValue: 'c3' } }).signIn.target, { kind: 'authenticationContext', value: 'c3' });
  const sp = parseWhatIfRequest({ signInIdentity: { '@odata.type': '#microsoft.graph.servicePrincipalSignIn', servicePrincipalId: APP }, signInContext: { includeApplications: [APP] } });
  assert.deepEqual(sp.signIn.identity, { kind: 'servicePrincipal', servicePrincipalId: APP });
  assert.equal(sp.signIn.device, null);
  assert.equal(sp.appliedPoliciesOnly, false);
});

test('bad bodies are refused with the path', () => {
  const refused = (body: unknown, path: string) =>
    assert.throws(() => parseWhatIfRequest(body), (e: unknown) => e instanceof ConditionalAccessValidationError && e.path === path, path);
  refused({ signInContext: { includeApplications: [APP] } }, 'signInIdentity');
  refused({ signInIdentity: { userId: USER } }, 'signInContext');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [] } }, 'signInContext.includeApplications');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: Array.from({ length: 21 }, (_, i) => `app${i}`) } }, 'signInContext.includeApplications');
  refused({ signInIdentity: { '@odata.type': '#microsoft.graph.robotSignIn', userId: USER }, signInContext: { includeApplications: [APP] } }, 'signInIdentity.@odata.type');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [APP] }, signInConditions: { devicePlatform: 'all' } }, 'signInConditions.devicePlatform');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [APP] }, signInConditions: { deviceInfo: { isCompliant: 'yes' } } }, 'signInConditions.deviceInfo.isCompliant');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [APP] }, signInConditions: { weather: 'rain' } }, 'signInConditions.weather');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [APP] }, appliedPoliciesOnly: 'yes' }, 'appliedPoliciesOnly');
  refused({ signInIdentity: { userId: USER }, signInContext: { includeApplications: [APP] }, '@baton.satisfiedControls': { mfa: 'done' } }, '@baton.satisfiedControls.mfa');
});
