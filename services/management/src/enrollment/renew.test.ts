/**
 * MS-WSTEP certificate renewal over real HTTPS: the device presents its current MDM
 * certificate on TLS and sends a PKCS#7 of its new CSR signed with that certificate's key;
 * it gets a new certificate for the same device and the old one stops authenticating. Hostile
 * variants (another device's certificate, a request signed by another key, a DeviceID that is
 * not the certificate's, no certificate, a retired enrollment) are SOAP faults that change
 * nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { generateCertificateAuthority, issueCertificate, signRenewalRequest, thumbprint, x509 } from '@baton/kit';
import { buildRequestSecurityToken, childText, elements, parseProvisioningDoc, parseRequestSecurityTokenResponse, parseSoapFault, parseXml, TOKEN } from '@baton/protocols';
import { windowsPackage1, windowsRst } from '../conformance/windows.js';
import { testBackends } from '../testing/context.js';
import { makeCsr } from '../testing/device.js';
import { startListening, type Listening } from '../testing/server.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

interface Device {
  deviceId: string;
  certPem: string;
  keyPem: string;
  enrollmentId: string;
}

for (const backend of testBackends()) {
  describe(`MDM certificate renewal (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    async function enroll(): Promise<Device> {
      const deviceId = randomBytes(16).toString('hex').toUpperCase();
      const keys = await makeCsr(deviceId);
      const c = s.client();
      try {
        const rst = windowsRst(s.host, `urn:uuid:${randomUUID()}`, await s.deviceToken(), keys.csrBase64, { hwDevId: randomBytes(32).toString('hex'), deviceName: 'D', deviceId });
        const res = await c.post(MANAGEMENT_PATHS.enrollment, rst, SOAP);
        assert.equal(res.status, 200, res.body);
        const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
        const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
        const enrollment = (await s.store.getEnrollmentByThumbprint(thumbprint(certPem)))!;
        return { deviceId, certPem, keyPem: keys.privateKeyPem, enrollmentId: enrollment.id };
      } finally {
        await c.close();
      }
    }

    function renewalRst(pkcs7: string, context: Array<[string, string]> = []): string {
      return buildRequestSecurityToken({
        messageId: `urn:uuid:${randomUUID()}`,
        to: `${s.baseUrl}${MANAGEMENT_PATHS.enrollment}`,
        csrBase64: pkcs7,
        csrValueType: TOKEN.pkcs7,
        requestType: TOKEN.renew,
        additionalContext: [['DeviceType', 'CIMClient_Windows'], ['ApplicationVersion', '10.0.26200.9278'], ...context],
      });
    }

    /** A renewal request for a fresh key, signed with `signer`'s key. */
    async function renewalRequest(signer: { certPem: string; keyPem: string }, commonName: string) {
      const fresh = await makeCsr(commonName);
      return { pkcs7: signRenewalRequest(new Uint8Array(Buffer.from(fresh.csrBase64, 'base64')), signer.certPem, signer.keyPem), keyPem: fresh.privateKeyPem };
    }

    async function post(tls: { certPem: string; keyPem: string } | undefined, body: string) {
      const c = s.client(tls);
      try {
        return await c.post(MANAGEMENT_PATHS.enrollment, body, SOAP);
      } finally {
        await c.close();
      }
    }

    async function omadmStatus(tls: { certPem: string; keyPem: string }, deviceId: string, sessionId: string) {
      const c = s.client(tls);
      try {
        const res = await c.post(MANAGEMENT_PATHS.omadm, windowsPackage1({ sessionId, msgId: '1', serverUrl: s.serverUrl, deviceId }, { man: 'Contoso', mod: 'VM' }), SYNCML);
        const syncBody = parseXml(res.body).children.find((n) => 'name' in n && n.name === 'SyncBody');
        return childText(elements(syncBody as never, 'Status')[0]!, 'Data');
      } finally {
        await c.close();
      }
    }

    const certOf = async (d: Device) => (await s.store.getEnrollment(d.enrollmentId))!.certThumbprint;
    const fault = (body: string) => parseSoapFault(body)!.subcode;

    test('the device renews with its current certificate: a new certificate for the same device, and the old one stops working', async () => {
      const a = await enroll();
      const { pkcs7, keyPem } = await renewalRequest(a, a.deviceId);
      const res = await post(a, renewalRst(pkcs7, [['DeviceID', a.deviceId]]));
      assert.equal(res.status, 200, res.body);
      const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
      assert.equal(doc.clientCertificates.length, 1);
      assert.equal(doc.application.providerId, 'Baton');
      const renewed = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
      const cert = new X509Certificate(renewed);
      assert.match(cert.subject, new RegExp(`CN=${a.deviceId}`));
      assert.ok(cert.checkIssued(new X509Certificate((await s.deps.authority()).certPem)));
      assert.notEqual(thumbprint(renewed), thumbprint(a.certPem));
      assert.equal(await certOf(a), thumbprint(renewed), 'the enrollment holds the new certificate');
      assert.equal(doc.clientCertificates[0]!.thumbprint, thumbprint(renewed));

      assert.equal(await omadmStatus({ certPem: renewed, keyPem }, a.deviceId, '1'), '200');
      assert.equal(await omadmStatus(a, a.deviceId, '2'), '401', 'the old certificate no longer authenticates');
      // …nor renews again.
      const again = await renewalRequest(a, a.deviceId);
      const replay = await post(a, renewalRst(again.pkcs7));
      assert.equal(replay.status, 401);
      assert.equal(fault(replay.body), 'authentication');
    });

    test("another device's certificate cannot renew this one, with its own signature or the victim's", async () => {
      const a = await enroll();
      const b = await enroll();
      const [aBefore, bBefore] = [await certOf(a), await certOf(b)];
      // B on TLS, request signed by A's key: the signature is checked against B's certificate.
      const signedByA = await renewalRequest(a, a.deviceId);
      const one = await post(b, renewalRst(signedByA.pkcs7, [['DeviceID', a.deviceId]]));
      assert.equal(one.status, 401, 'DeviceID of another device');
      const two = await post(b, renewalRst(signedByA.pkcs7));
      assert.equal(two.status, 400);
      assert.equal(fault(two.body), 'certificaterequest');
      // B on TLS, its own signature, claiming A: refused before anything is issued.
      const signedByB = await renewalRequest(b, a.deviceId);
      const three = await post(b, renewalRst(signedByB.pkcs7, [['DeviceID', a.deviceId]]));
      assert.equal(three.status, 401);
      assert.deepEqual([await certOf(a), await certOf(b)], [aBefore, bBefore]);
    });

    test('a CSR for another key not signed by the current certificate is refused', async () => {
      const a = await enroll();
      const before = await certOf(a);
      const ca = await generateCertificateAuthority({ commonName: 'Elsewhere', validityDays: 5 });
      const stranger = await issueCertificate(ca, { commonName: a.deviceId, validityDays: 5, usage: 'client' });
      // Claims A's certificate as signer, signed with the stranger's key.
      const fresh = await makeCsr(a.deviceId);
      const forged = signRenewalRequest(new Uint8Array(Buffer.from(fresh.csrBase64, 'base64')), a.certPem, stranger.keyPem);
      const res = await post(a, renewalRst(forged));
      assert.equal(res.status, 400);
      assert.equal(fault(res.body), 'certificaterequest');
      // A bare PKCS#10 in place of the PKCS#7.
      const bare = await post(a, renewalRst(fresh.csrBase64));
      assert.equal(bare.status, 400);
      assert.equal(await certOf(a), before);
    });

    test('no certificate, a foreign certificate or a retired enrollment: authentication faults', async () => {
      const a = await enroll();
      const before = await certOf(a);
      const { pkcs7 } = await renewalRequest(a, a.deviceId);
      const none = await post(undefined, renewalRst(pkcs7));
      assert.equal(none.status, 401);
      assert.equal(fault(none.body), 'authentication');
      const ca = await generateCertificateAuthority({ commonName: 'Elsewhere', validityDays: 5 });
      const foreign = await issueCertificate(ca, { commonName: a.deviceId, validityDays: 5, usage: 'client' });
      assert.equal((await post(foreign, renewalRst(signRenewalRequest(new Uint8Array(Buffer.from((await makeCsr()).csrBase64, 'base64')), foreign.certPem, foreign.keyPem)))).status, 401);
      await s.store.updateEnrollment(a.enrollmentId, { managementState: 'retired' });
      assert.equal((await post(a, renewalRst(pkcs7))).status, 401);
      assert.equal(await certOf(a), before);
    });
  });
}
