import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AccessTokenClaims } from '@baton/kit';
import { AAD_USER_TOKEN_ALERT_TYPE, type SyncMLMessage } from '@baton/protocols';
import { testBackends } from '../testing/context.js';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import { userOfToken, userTokenOf } from './primary-user.js';

const header = { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: 'https://m', source: 'D' };

function package1(...alerts: Array<{ data: string; type?: string; token?: string }>): SyncMLMessage {
  return {
    header,
    commands: [
      { kind: 'Alert', cmdId: '1', data: '1201', items: [] },
      ...alerts.map((a, i) => ({ kind: 'Alert' as const, cmdId: String(i + 2), data: a.data, items: [{ ...(a.type ? { meta: { type: a.type } } : {}), ...(a.token !== undefined ? { data: a.token } : {}) }] })),
    ],
    final: true,
  };
}

test("the user token is read from package 1's generic alert of its type, and from nothing else", () => {
  assert.equal(userTokenOf(package1({ data: '1224', type: AAD_USER_TOKEN_ALERT_TYPE, token: ' a.b.c ' })), 'a.b.c');
  assert.equal(userTokenOf(package1({ data: '1224', type: 'COM.MICROSOFT/MDM/AADUSERTOKEN', token: 'a.b.c' })), 'a.b.c');
  assert.equal(userTokenOf(package1({ data: '1224', type: 'com.microsoft/MDM/LoginStatus', token: 'user' })), undefined);
  assert.equal(userTokenOf(package1({ data: '1226', type: AAD_USER_TOKEN_ALERT_TYPE, token: 'a.b.c' })), undefined);
  assert.equal(userTokenOf(package1({ data: '1224', type: AAD_USER_TOKEN_ALERT_TYPE, token: '' })), undefined);
  assert.equal(userTokenOf(package1({ data: '1224', type: AAD_USER_TOKEN_ALERT_TYPE, token: 'x'.repeat(20_000) })), undefined);
  assert.equal(userTokenOf(package1()), undefined);
});

test("only a user's token for this very device, in its tenant, names a primary user", () => {
  const tenantId = randomUUID();
  const deviceId = randomUUID();
  const enrollment = { tenantId, azureAdDeviceId: deviceId };
  const oid = randomUUID();
  const claims: AccessTokenClaims = { tid: tenantId.toUpperCase(), oid, idtyp: 'user', deviceid: deviceId.toUpperCase(), upn: 'adele@demo.baton.local', name: 'Adele Vance' };
  assert.deepEqual(userOfToken(claims, enrollment), { userId: oid, upn: 'adele@demo.baton.local', displayName: 'Adele Vance', email: 'adele@demo.baton.local' });
  assert.equal(userOfToken({ ...claims, deviceid: randomUUID() }, enrollment), undefined, 'another device');
  assert.equal(userOfToken({ ...claims, deviceid: undefined }, enrollment), undefined, 'a token bound to no device');
  assert.equal(userOfToken({ ...claims, tid: randomUUID() }, enrollment), undefined, 'another tenant');
  assert.equal(userOfToken({ ...claims, idtyp: 'device' }, enrollment), undefined, "the device's own token");
  assert.equal(userOfToken({ ...claims, idtyp: 'app' }, enrollment), undefined, "an application's token");
});

for (const backend of testBackends()) {
  test(`an enrollment takes a primary user only while it has none (${backend})`, async (t) => {
    const { store, close } = await openTestStore(backend);
    t.after(close);
    const enrollment = sampleEnrollment({ userId: null, upn: null, userDisplayName: null, userEmail: null, deviceAuth: true });
    await store.replaceEnrollment(enrollment, []);
    const first = { userId: randomUUID(), upn: 'adele@demo.baton.local', displayName: 'Adele Vance', email: 'adele@demo.baton.local' };
    assert.equal(await store.setPrimaryUser(enrollment.id, first), true);
    assert.equal(await store.setPrimaryUser(enrollment.id, { ...first, userId: randomUUID(), upn: 'megan@demo.baton.local' }), false);
    const stored = await store.getEnrollment(enrollment.id);
    assert.deepEqual([stored?.userId, stored?.upn, stored?.userDisplayName, stored?.userEmail, stored?.deviceAuth], [first.userId, first.upn, first.displayName, first.email, true]);
  });
}
