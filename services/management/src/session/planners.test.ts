/**
 * A session that finds nothing due for its device skips the planners and the queue; whatever
 * becomes due after it (a queued action, a profile, a compliance policy, an app, a replaced
 * certificate) must still reach the device at its very next session. Each test runs a device
 * to a session with nothing due, changes one thing through Graph or enrollment, and polls
 * once more, over HTTPS with the device's MDM certificate as Windows does.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE, MANAGEMENT_PATHS, ROLES } from '@baton/contracts';
import { signPublicKey, thumbprint, x509 } from '@baton/kit';
import { parseProvisioningDoc, parseRequestSecurityTokenResponse, parseSyncML, type SyncMLCommand, type SyncMLContainer, type SyncMLItemCommand } from '@baton/protocols';
import { windowsPackage1, windowsRst } from '../conformance/windows.js';
import { testBackends } from '../testing/context.js';
import { makeCsr, syncml } from '../testing/device.js';
import { startListening, type Listening } from '../testing/server.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
const PRIVILEGED = 'DeviceManagementManagedDevices.PrivilegedOperations.All';
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

interface Device {
  tenantId: string;
  deviceId: string;
  certPem: string;
  keyPem: string;
  enrollmentId: string;
  sessions: number;
}

/** What the server sent in one session: each command as "Verb target" (an Atomic as "Atomic n"). */
type Received = string[];

for (const backend of testBackends()) {
  describe(`sessions with nothing due, then something due (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    /** A device enrolled through MS-MDE2 in a tenant of its own, so that assignments do not mix. */
    async function enroll(): Promise<Device> {
      const tenantId = randomUUID();
      const deviceId = randomBytes(16).toString('hex').toUpperCase();
      const keys = await makeCsr(deviceId);
      const c = s.client();
      try {
        const token = await s.deviceToken({ tid: tenantId });
        const rst = windowsRst(s.host, `urn:uuid:${randomUUID()}`, token, keys.csrBase64, { hwDevId: randomBytes(32).toString('hex'), deviceName: 'D', deviceId });
        const res = await c.post(MANAGEMENT_PATHS.enrollment, rst, SOAP);
        assert.equal(res.status, 200, res.body);
        const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
        const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
        const enrollment = (await s.store.getEnrollmentByThumbprint(thumbprint(certPem)))!;
        return { tenantId, deviceId, certPem, keyPem: keys.privateKeyPem, enrollmentId: enrollment.id, sessions: 0 };
      } finally {
        await c.close();
      }
    }

    /**
     * One whole session: package 1, then every command answered 200 (a Get with 404, a node the
     * device lacks) until the server sends nothing more. Returns what the server sent, and the
     * SyncHdr status of its first reply.
     */
    async function session(d: Device): Promise<{ header: string; received: Received }> {
      const sessionId = (++d.sessions).toString(16).toUpperCase();
      const c = s.client({ certPem: d.certPem, keyPem: d.keyPem });
      const received: Received = [];
      try {
        let body = windowsPackage1({ sessionId, msgId: '1', serverUrl: s.serverUrl, deviceId: d.deviceId }, { man: 'Contoso', mod: 'VM' });
        let header = '';
        for (let msgId = 2; msgId < 20; msgId++) {
          const res = await c.post(MANAGEMENT_PATHS.omadm, body, SYNCML);
          assert.equal(res.status, 200, res.body);
          const reply = parseSyncML(res.body);
          header ||= (reply.commands[0] as { data: string }).data;
          const work = reply.commands.filter((cmd) => cmd.kind !== 'Status' && cmd.kind !== 'Results');
          for (const cmd of work) received.push(describeCommand(cmd));
          if (work.length === 0 && reply.final) return { header, received };
          const answers: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: reply.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
          for (const cmd of work) {
            const code = cmd.kind === 'Get' ? '404' : '200';
            answers.push({ kind: 'Status', cmdId: String(answers.length + 1), msgRef: reply.header.msgId, cmdRef: cmd.cmdId, cmd: cmd.kind, data: code });
            if (cmd.kind === 'Atomic') {
              for (const child of (cmd as SyncMLContainer).commands) answers.push({ kind: 'Status', cmdId: String(answers.length + 1), msgRef: reply.header.msgId, cmdRef: child.cmdId, cmd: child.kind, data: '200' });
            }
          }
          body = syncml(d.deviceId, sessionId, String(msgId), answers);
        }
        throw new Error('session did not end');
      } finally {
        await c.close();
      }
    }

    /** Polls until a session brings nothing (the enrollment's first commands delivered), then once more. */
    async function settled(d: Device): Promise<void> {
      for (let i = 0; i < 5 && (await session(d)).received.length > 0; i++);
      assert.deepEqual((await session(d)).received, [], 'nothing due for a settled device');
      assert.equal((await s.store.sessionDue(d.enrollmentId, d.tenantId)).queue, false);
    }

    const admin = (d: Device, roles: string[]) => s.identity.mint({ aud: GRAPH_RESOURCE, tid: d.tenantId, roles });
    async function graph(token: string, url: string, body: unknown): Promise<Record<string, unknown>> {
      const res = await s.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      assert.ok(res.statusCode < 300, res.body);
      return res.body ? (res.json() as Record<string, unknown>) : {};
    }

    test('an action queued after a nothing-due session goes at the next one', async () => {
      const d = await enroll();
      await settled(d);
      await graph(await admin(d, [PRIVILEGED]), `/graph/v1.0/deviceManagement/managedDevices/${d.enrollmentId}/rebootNow`, undefined);
      assert.deepEqual((await session(d)).received, ['Exec ./Device/Vendor/MSFT/Reboot/RebootNow']);
      assert.deepEqual((await session(d)).received, []);
    });

    test('a configuration profile assigned after a nothing-due session goes at the next one', async () => {
      const d = await enroll();
      await settled(d);
      const token = await admin(d, [ROLES.configurationReadWrite]);
      const profile = await graph(token, '/graph/v1.0/deviceManagement/deviceConfigurations', {
        '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
        displayName: 'Realtime monitoring',
        omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'RTP', omaUri: './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', value: 1 }],
      });
      await graph(token, `/graph/v1.0/deviceManagement/deviceConfigurations/${profile.id as string}/assign`, { assignments: [{ target: ALL_DEVICES }] });
      const next = (await session(d)).received;
      assert.ok(next.includes('Atomic Replace ./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring'), next.join('\n'));
    });

    test('a compliance policy assigned after a nothing-due session reads the device at the next one', async () => {
      const d = await enroll();
      await settled(d);
      const token = await admin(d, [ROLES.configurationReadWrite]);
      const policy = await graph(token, '/graph/beta/deviceManagement/deviceCompliancePolicies', {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Encrypted',
        bitLockerEnabled: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0, notificationMessageCCList: [] }] }],
      });
      await graph(token, `/graph/v1.0/deviceManagement/deviceCompliancePolicies/${policy.id as string}/assign`, { assignments: [{ target: ALL_DEVICES }] });
      const next = (await session(d)).received;
      assert.ok(next.some((r) => r.startsWith('Get ./Vendor/MSFT/DeviceStatus/') || r.startsWith('Get ./Device/Vendor/MSFT/DeviceStatus/')), next.join('\n'));
    });

    test('an app assigned after a nothing-due session is installed at the next one', async () => {
      const d = await enroll();
      await settled(d);
      const token = await admin(d, [ROLES.appsReadWrite]);
      const productCode = `{${randomUUID().toUpperCase()}}`;
      const app = await graph(token, '/graph/beta/deviceAppManagement/mobileApps', {
        '@odata.type': '#microsoft.graph.windowsMobileMSI',
        displayName: 'Contoso Agent',
        productCode,
        productVersion: '1.0.0',
        commandLine: '/quiet',
        fileName: 'agent.msi',
      });
      await graph(token, `/graph/v1.0/deviceAppManagement/mobileApps/${app.id as string}/assign`, {
        mobileAppAssignments: [{ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent: 'required', target: ALL_DEVICES }],
      });
      const next = (await session(d)).received;
      assert.ok(next.includes(`Exec ./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${encodeURIComponent(productCode)}/DownloadInstall`), next.join('\n'));
    });

    test('a retire requested after a nothing-due session goes at the next one, and the one after is refused', async () => {
      const d = await enroll();
      await settled(d);
      await graph(await admin(d, [PRIVILEGED]), `/graph/v1.0/deviceManagement/managedDevices/${d.enrollmentId}/retire`, undefined);
      const next = (await session(d)).received;
      assert.equal(next.length, 1);
      assert.match(next[0]!, /^Delete \.\/Device\/Vendor\/MSFT\/DMClient\/Provider\//);
      assert.equal((await session(d)).header, '401');
    });

    test('a certificate replaced after a nothing-due session no longer authenticates the next one', async () => {
      const d = await enroll();
      await settled(d);
      // A renewal: the enrollment now holds another certificate, on another key, for the same device.
      const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
      const renewed = await signPublicKey(await s.deps.authority(), keys.publicKey, { commonName: d.deviceId, validityDays: 30, usage: 'client' });
      assert.ok(await s.store.replaceCertificate(d.enrollmentId, thumbprint(d.certPem), renewed, thumbprint(renewed)));
      assert.equal((await session(d)).header, '401');
      const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
      const again = await session({ ...d, certPem: renewed, keyPem });
      assert.equal(again.header, '200');
      assert.deepEqual(again.received, []);
    });

    test('what is due is read from the store, one flag per planner', async () => {
      const d = await enroll();
      await settled(d);
      assert.deepEqual(await s.store.sessionDue(d.enrollmentId, d.tenantId), { queue: false, compliance: false, configuration: false, apps: false });
      await s.store.enqueueCommand({ verb: 'Get', locUri: './DevDetail/SwV' }, [d.enrollmentId]);
      assert.equal((await s.store.sessionDue(d.enrollmentId, d.tenantId)).queue, true);
      assert.equal((await s.store.sessionDue(randomUUID(), d.tenantId)).queue, false, 'another device is not due');
      // The certificate's read answers the same flags, with the enrollment it belongs to.
      const ofCertificate = await s.store.enrollmentOfCertificate(thumbprint(d.certPem));
      assert.equal(ofCertificate?.enrollment.id, d.enrollmentId);
      assert.deepEqual(ofCertificate?.due, await s.store.sessionDue(d.enrollmentId, d.tenantId));
      assert.equal(ofCertificate?.due.queue, true);
      assert.equal(await s.store.enrollmentOfCertificate('0'.repeat(40)), undefined);
    });
  });
}

function describeCommand(cmd: SyncMLCommand): string {
  if (cmd.kind === 'Atomic') return `Atomic ${(cmd as SyncMLContainer).commands.map((c) => `${c.kind} ${(c as SyncMLItemCommand).items[0]?.target ?? ''}`).join(', ')}`;
  return `${cmd.kind} ${(cmd as SyncMLItemCommand).items[0]?.target ?? ''}`;
}

