import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { parseTraceparent } from '@baton/kit';
import { modeOfOobeConfig, PREPROVISIONING_NOT_ALLOWED, runDevice } from './agent.js';
import { randomInventory } from './inventory.js';
import type { Pace, PaceStep } from './pace.js';
import { startFakeChain, TENANT_ID, USER, type FakeChain } from './testing/fake-chain.js';

let chain: FakeChain;
before(async () => {
  chain = await startFakeChain();
});
after(async () => {
  await chain.close();
});
beforeEach(() => {
  delete chain.discoveryBehaviour.error;
  delete chain.managementBehaviour.enrollmentFault;
  delete chain.managementBehaviour.headerStatus;
  delete chain.identityBehaviour.refuseResource;
  for (const s of [chain.discovery, chain.identity, chain.management]) s.requests.length = 0;
});

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('an unknown device is reported as discovery ZtdDeviceNotFound, without throwing', async () => {
  chain.discoveryBehaviour.error = { status: 404, code: 'ZtdDeviceNotFound' };
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 1), user: USER });
  assert.equal(result.ok, false);
  assert.equal(result.managed, false);
  assert.equal(result.phase, 'lookup');
  assert.deepEqual({ ...result.error, message: undefined }, { phase: 'lookup', service: 'discovery', code: 'ZtdDeviceNotFound', status: 404, message: undefined });
  assert.deepEqual(result.phases.map((p) => [p.name, p.ok]), [['lookup', false]]);
  assert.equal(chain.identity.requests.length, 0);
});

test("a technician's pre-provisioning stops at discovery's answer when the profile does not allow it", async () => {
  // The fake discovery's profile is user-driven and says nothing of pre-provisioning.
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 9), user: USER, preProvision: true });
  assert.equal(result.ok, false);
  assert.equal(result.mode, undefined);
  assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code], ['lookup', 'discovery', PREPROVISIONING_NOT_ALLOWED]);
  assert.match(result.error?.message ?? '', /"Sales", which does not allow pre-provisioning/);
  assert.deepEqual(result.phases.map((p) => [p.name, p.ok]), [['lookup', false]]);
  assert.equal(chain.identity.requests.length, 0, 'nothing reaches identity');
});

test('at real pace the device spends its OOBE pages and typing between the service calls; at fast pace nothing', async () => {
  const asked: Array<[PaceStep, number]> = [];
  const pace: Pace = { name: 'real', wait: async (step, count = 1) => void asked.push([step, count]) };
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 10), user: USER, pace });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.deepEqual(asked, [['oobePages', 1], ['credentialEntry', 1]]);
  // With a second factor the user also reads a code.
  asked.length = 0;
  await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 11), user: { ...USER, totpSecret: 'JBSWY3DPEHPK3PXP' }, pace }).catch(() => undefined);
  assert.deepEqual(asked.slice(0, 3), [['oobePages', 1], ['credentialEntry', 1], ['secondFactorEntry', 1]]);
});

test('configured with discovery only, the device follows each answer through the whole chain', async () => {
  const inventory = randomInventory('agent', 2);
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory, user: USER, traceparent: PARENT });
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.equal(result.ok, true);
  assert.equal(result.managed, true);
  assert.deepEqual(result.phases.map((p) => p.name), ['lookup', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync']);
  assert.ok(result.phases.every((p) => p.ok && p.ms >= 0));

  // Every URL but discovery's came from an answer; the fakes serve them under odd paths.
  const id = chain.identity.url;
  const mgmt = chain.management.url;
  assert.deepEqual(result.learned, {
    ztdId: 'ztd-7d1e',
    tenantId: TENANT_ID,
    identityAuthority: `${id}/tenants-here/${TENANT_ID}`,
    tokenEndpoint: `${id}/tokens-odd/${TENANT_ID}`,
    joinEndpoint: `${id}/drs-odd/${TENANT_ID}/join-here?api-version=2.0`,
    deviceId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
    managementDiscoveryUrl: `${mgmt}/enroll-odd/Discovery.svc`,
    policyServiceUrl: `${mgmt}/xcep-odd/Policy.svc`,
    enrollmentServiceUrl: `${mgmt}/wstep-odd/Enrollment.svc`,
    managementUrl: `${mgmt}/omadm-odd/session`,
    mdmDeviceId: result.learned.mdmDeviceId,
    deviceName: `DEMO-${inventory.serialNumber}`.slice(0, 15),
  });
  assert.match(result.learned.mdmDeviceId!, /^[0-9A-F]{32}$/);

  assert.deepEqual(chain.discovery.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`), ['POST /ztd/v1/lookup']);
  assert.deepEqual(
    chain.management.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`),
    ['GET /enroll-odd/Discovery.svc', 'POST /enroll-odd/Discovery.svc', 'POST /xcep-odd/Policy.svc', 'POST /wstep-odd/Enrollment.svc', 'POST /omadm-odd/session', 'POST /omadm-odd/session'],
  );

  // OMA-DM presented the MDM certificate issued for the device's DeviceID.
  const omadm = chain.management.requests.filter((r) => r.url.includes('/omadm-odd/'));
  assert.ok(omadm.every((r) => r.peer?.authorized === true && r.peer.subjectCN === result.learned.mdmDeviceId));
  assert.equal(result.session?.messagesSent, 2);
  assert.deepEqual(result.session?.commands.map((c) => [c.targets[0], c.status]), [
    ['./DevDetail/SwV', '200'],
    ['./DevDetail/Ext/Microsoft/DeviceName', '200'],
  ]);

  // One trace across the three services, a child of the caller's.
  const all = [...chain.discovery.requests, ...chain.identity.requests, ...chain.management.requests];
  const spans = new Set(all.map((r) => r.headers.traceparent));
  assert.equal(spans.size, 1);
  assert.equal(parseTraceparent([...spans][0])?.traceId, parseTraceparent(PARENT)!.traceId);
  assert.equal(result.traceparent, [...spans][0]);
});

test('a wrong password is an identity failure with the OAuth error code', async () => {
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 3), user: { ...USER, password: 'nope' } });
  assert.equal(result.ok, false);
  assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code, result.error?.status], ['authenticate', 'identity', 'invalid_grant', 400]);
  assert.match(result.error!.message, /AADSTS50126/);
  assert.equal(result.learned.identityAuthority, `${chain.identity.url}/tenants-here/${TENANT_ID}`);
});

test('a SOAP fault at enrollment names management and the MS-MDE2 subcode', async () => {
  chain.managementBehaviour.enrollmentFault = 'enrollmentserver';
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 4), user: USER });
  assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code, result.error?.status], ['enroll', 'management', 'enrollmentserver', 400]);
  assert.equal(result.managed, false);
  assert.equal(result.learned.deviceId, '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9');
  assert.deepEqual(result.phases.map((p) => p.ok), [true, true, true, true, false]);
});

test('a refused OMA-DM session reports the SyncHdr status', async () => {
  chain.managementBehaviour.headerStatus = '407';
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 5), user: USER });
  assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code], ['firstSync', 'management', '407']);
  assert.equal(result.managed, false);
  assert.ok(result.learned.managementUrl);
});

test('an unreachable discovery is a discovery transport failure, not an exception', async () => {
  const result = await runDevice({ discoveryUrl: 'https://127.0.0.1:1', caPem: chain.caPem, inventory: randomInventory('agent', 6), user: USER, timeoutMs: 5000 });
  assert.equal(result.ok, false);
  assert.equal(result.error?.service, 'discovery');
  assert.equal(result.error?.status, undefined);
  assert.match(result.error!.code, /ECONNREFUSED|network_error/);
});

test('an aborted run stops and reports the phase it was in', async () => {
  const controller = new AbortController();
  controller.abort();
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 7), user: USER, signal: controller.signal });
  assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code], ['lookup', 'discovery', 'aborted']);
  assert.equal(chain.discovery.requests.length, 0);
});

test('later polls resume the TLS session of the MDM certificate instead of a full handshake', async () => {
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 7), user: USER });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const omadm = () => chain.management.requests.filter((r) => r.url.includes('/omadm-odd/'));
  // The first sync's connection is a full handshake; its second message reuses the connection.
  assert.equal(omadm()[0]!.peer?.resumed, false);
  chain.management.requests.length = 0;
  for (let poll = 0; poll < 2; poll++) {
    const checkIn = await result.managedDevice!.checkIn();
    assert.equal(checkIn.ok, true, JSON.stringify(checkIn.error));
  }
  const polls = omadm();
  assert.ok(polls.length >= 2);
  // Each poll opens its own connection and resumes, still presenting the device's certificate.
  assert.ok(polls.every((r) => r.peer?.resumed === true && r.peer.authorized && r.peer.subjectCN === result.learned.mdmDeviceId), JSON.stringify(polls.map((r) => r.peer)));
});

test("an enrolled device asks for its user's tokens with its device key, keeps each rotated refresh token, and keeps it through a refusal", async () => {
  const result = await runDevice({ discoveryUrl: chain.discovery.url, caPem: chain.caPem, inventory: randomInventory('agent', 8), user: USER });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const device = result.managedDevice!;
  const graph = 'https://graph.example';
  const first = await device.userToken(graph);
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.match(first.accessToken!, /^device-bound-token for https:\/\/graph\.example/);

  chain.identityBehaviour.refuseResource = graph;
  const refused = await device.userToken(graph);
  assert.deepEqual({ ...refused.error, message: undefined }, { service: 'identity', code: 'interaction_required', platformCode: 'AADSTS53000', status: 400, message: undefined });
  assert.match(refused.error!.message, /AADSTS53000/);

  // The fake kills each refresh token once used: a second success needs the one the first returned.
  delete chain.identityBehaviour.refuseResource;
  const again = await device.userToken(graph);
  assert.equal(again.ok, true, JSON.stringify(again.error));
  const grants = chain.identity.requests.filter((r) => r.url.includes('/tokens-odd/') && new URLSearchParams(r.body).get('grant_type') !== 'password');
  assert.equal(grants.length, 4, 'the MDM token at enrollment, then three for the user');
});

test('the mode follows the OOBE bits: TPM attestation and device auth together make a device self-deploying', () => {
  assert.equal(modeOfOobeConfig(8 + 256 + 32 + 64), 'selfDeploying');
  assert.equal(modeOfOobeConfig(8 + 256 + 2 + 16 + 32 + 64), 'selfDeploying');
  assert.equal(modeOfOobeConfig(8 + 256), 'userDriven');
  assert.equal(modeOfOobeConfig(8 + 256 + 32), 'userDriven');
  assert.equal(modeOfOobeConfig(8 + 256 + 64), 'userDriven');
  assert.equal(modeOfOobeConfig(undefined), 'userDriven');
});
