/**
 * A device that enrolls with its own token is self-deploying or pre-provisioned, as identity's
 * token says (AUTOPILOT_MODE_CLAIM). Management shows which from the first session on, and
 * only a pre-provisioned device takes the user whose token a later session carries (Alert 1224
 * AADUserToken) as its primary user; a self-deploying (shared) one never gets one.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AUTOPILOT_MODE_CLAIM, GRAPH_RESOURCE, MANAGEMENT_PATHS, MDM_RESOURCE, ROLES, type AutopilotDeviceMode } from '@baton/contracts';
import { thumbprint, x509 } from '@baton/kit';
import { AAD_USER_TOKEN_ALERT_TYPE, parseProvisioningDoc, parseRequestSecurityTokenResponse, parseSyncML, type SyncMLCommand } from '@baton/protocols';
import { testBackends } from '../testing/context.js';
import { makeCsr, rstXml, syncml } from '../testing/device.js';
import { startListening, type Listening } from '../testing/server.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

interface Device {
  tenantId: string;
  azureAdDeviceId: string;
  mdmDeviceId: string;
  certPem: string;
  keyPem: string;
  sessions: number;
}

for (const backend of testBackends()) {
  describe(`self-deploying and pre-provisioned devices told apart from enrollment on (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    /** Enrolls with a token of the device alone, in a tenant of its own; `mode` is what identity's claim says. */
    async function enrollAlone(mode: AutopilotDeviceMode | undefined): Promise<Device> {
      const tenantId = randomUUID();
      const azureAdDeviceId = randomUUID();
      const mdmDeviceId = randomBytes(16).toString('hex').toUpperCase();
      const token = await s.deviceToken({ tid: tenantId, deviceid: azureAdDeviceId, oid: randomUUID(), upn: undefined, idtyp: 'device', ...(mode ? { [AUTOPILOT_MODE_CLAIM]: mode } : {}) });
      const keys = await makeCsr(mdmDeviceId);
      const c = s.client();
      try {
        const res = await c.post(MANAGEMENT_PATHS.enrollment, rstXml({ token, csrBase64: keys.csrBase64, deviceId: mdmDeviceId, hwDevId: randomBytes(32).toString('hex'), enrollmentType: 'Device' }), SOAP);
        assert.equal(res.status, 200, res.body);
        const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
        const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
        return { tenantId, azureAdDeviceId, mdmDeviceId, certPem, keyPem: keys.privateKeyPem, sessions: 0 };
      } finally {
        await c.close();
      }
    }

    /** A whole session, package 1 carrying `userToken` when a user is logged on; every command answered. */
    async function session(d: Device, userToken?: string): Promise<void> {
      const sessionId = (++d.sessions).toString(16).toUpperCase();
      const c = s.client({ certPem: d.certPem, keyPem: d.keyPem });
      try {
        let commands: SyncMLCommand[] = [
          { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
          ...(userToken ? [{ kind: 'Alert' as const, cmdId: '3', data: '1224', items: [{ meta: { type: AAD_USER_TOKEN_ALERT_TYPE, format: 'chr' }, data: userToken }] }] : []),
        ];
        for (let msgId = 1; msgId < 20; msgId++) {
          const res = await c.post(MANAGEMENT_PATHS.omadm, syncml(d.mdmDeviceId, sessionId, String(msgId), commands), SYNCML);
          assert.equal(res.status, 200, res.body);
          const reply = parseSyncML(res.body);
          const work = reply.commands.filter((cmd) => cmd.kind !== 'Status' && cmd.kind !== 'Results');
          if (work.length === 0 && reply.final) return;
          commands = [{ kind: 'Status', cmdId: '1', msgRef: reply.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
          for (const cmd of work) commands.push({ kind: 'Status', cmdId: String(commands.length + 1), msgRef: reply.header.msgId, cmdRef: cmd.cmdId, cmd: cmd.kind, data: cmd.kind === 'Get' ? '404' : '200' });
        }
        throw new Error('session did not end');
      } finally {
        await c.close();
      }
    }

    const userToken = (d: Device, user: { id: string; upn: string }) =>
      s.identity.mint({ aud: MDM_RESOURCE, tid: d.tenantId, oid: user.id, idtyp: 'user', deviceid: d.azureAdDeviceId, upn: user.upn, name: 'Adele Vance' });

    async function graph(d: Device, path: string): Promise<any[]> {
      const token = await s.identity.mint({ aud: GRAPH_RESOURCE, tid: d.tenantId, roles: [ROLES.managedDevicesReadWrite] });
      const res = await s.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().value;
    }
    /** What an administrator reads: the managed device's user, and the deployment's type, state and user. */
    async function records(d: Device) {
      const [device] = await graph(d, '/graph/v1.0/deviceManagement/managedDevices');
      const [deployment] = await graph(d, '/graph/beta/deviceManagement/autopilotEvents');
      return {
        user: [device.deviceEnrollmentType, device.userId, device.userPrincipalName],
        deployment: [deployment.enrollmentType, deployment.deploymentState, deployment.accountSetupStatus, deployment.userPrincipalName],
      };
    }

    test('a self-deploying device whose session carries a user token gets no primary user; its record stays self-deploying', async () => {
      const d = await enrollAlone('selfDeploying');
      await session(d);
      const kiosk = { user: ['windowsAzureADJoinUsingDeviceAuth', null, null], deployment: ['azureADJoinedUsingDeviceAuthWithAutopilotProfile', 'success', 'success', null] };
      const before = await records(d);
      assert.deepEqual([before.user, before.deployment], [kiosk.user, kiosk.deployment]);
      // Someone signs in to the shared device; Windows sends their token in each session.
      await session(d, await userToken(d, { id: randomUUID(), upn: 'adele@demo.baton.local' }));
      await session(d, await userToken(d, { id: randomUUID(), upn: 'megan@demo.baton.local' }));
      const afterwards = await records(d);
      assert.deepEqual([afterwards.user, afterwards.deployment], [kiosk.user, kiosk.deployment]);
      const enrollment = await s.store.getEnrollmentByThumbprint(thumbprint(d.certPem));
      assert.deepEqual([enrollment?.autopilotMode, enrollment?.userId], ['selfDeploying', null]);
    });

    test("a pre-provisioned device's record reads pre-provisioned from its technician's first session; its user's token makes them its primary user", async () => {
      const d = await enrollAlone('preProvisioned');
      await session(d);
      // Resealed: the technician's half is done, account setup waits for the user.
      const resealed = await records(d);
      assert.deepEqual([resealed.user, resealed.deployment], [['windowsAzureADJoinUsingDeviceAuth', null, null], ['azureADJoinedWithWhiteGlove', 'success', 'notAttempted', null]]);
      const adele = { id: randomUUID(), upn: 'adele@demo.baton.local' };
      await session(d, await userToken(d, adele));
      const finished = await records(d);
      assert.deepEqual([finished.user, finished.deployment], [['windowsAzureADJoinUsingDeviceAuth', adele.id, adele.upn], ['azureADJoinedWithWhiteGlove', 'success', 'success', adele.upn]]);
    });

    test('an enrollment whose token names no mode (identity had not recorded it) reads self-deploying until a user finishes it, as before', async () => {
      const d = await enrollAlone(undefined);
      await session(d);
      assert.deepEqual((await records(d)).deployment, ['azureADJoinedUsingDeviceAuthWithAutopilotProfile', 'success', 'success', null]);
      const adele = { id: randomUUID(), upn: 'adele@demo.baton.local' };
      await session(d, await userToken(d, adele));
      const finished = await records(d);
      assert.deepEqual([finished.user[1], finished.deployment[0], finished.deployment[3]], [adele.id, 'azureADJoinedWithWhiteGlove', adele.upn]);
    });
  });
}
