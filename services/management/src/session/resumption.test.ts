/**
 * TLS session resumption on MDM.svc: devices resume their sessions (no certificate
 * exchange on the wire), and management still authenticates every message from the
 * certificate the resumed session carries. A resumed session cannot speak for another
 * device, and a certificate that stopped being acceptable is refused on resumption too.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { generateCertificateAuthority, issueCertificate, resumingConnector, thumbprint, TlsSessionCache, x509 } from '@baton/kit';
import { childText, elements, parseProvisioningDoc, parseRequestSecurityTokenResponse, parseXml } from '@baton/protocols';
import { Client } from 'undici';
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
  describe(`OMA-DM over resumed TLS sessions (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    async function enroll(deviceId = randomBytes(16).toString('hex').toUpperCase()): Promise<Device> {
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

    /**
     * One OMA-DM message on a new connection presenting `cert`, resuming from `cache`.
     * Returns the SyncHdr status the server answered and whether TLS resumed.
     */
    async function poll(cert: { certPem: string; keyPem: string }, cache: TlsSessionCache, deviceId: string, sessionId: string) {
      let reused: boolean | undefined;
      const connector = resumingConnector({ ca: s.identity.caPem, cert: cert.certPem, key: cert.keyPem }, cache);
      const client = new Client(s.baseUrl, {
        connect: (options, callback) =>
          connector(options, (err, socket) => {
            if (socket) reused = (socket as TLSSocket).isSessionReused();
            (callback as (e: Error | null, s: unknown) => void)(err, socket);
          }),
      });
      try {
        const body = windowsPackage1({ sessionId, msgId: '1', serverUrl: s.serverUrl, deviceId }, { man: 'Contoso', mod: 'VM' });
        const res = await client.request({ method: 'POST', path: MANAGEMENT_PATHS.omadm, headers: { 'content-type': SYNCML }, body });
        const text = await res.body.text();
        assert.equal(res.statusCode, 200, text);
        const syncBody = parseXml(text).children.find((c) => 'name' in c && c.name === 'SyncBody');
        const headerStatus = childText(elements(syncBody as never, 'Status')[0]!, 'Data');
        return { headerStatus, reused };
      } finally {
        await client.close();
      }
    }

    const sessionsOf = async (enrollmentId: string) => (await s.store.listRawRequests(enrollmentId)).length;

    test('a device resumes its TLS session on later polls and is still recognised by its certificate', async () => {
      const a = await enroll();
      const cache = new TlsSessionCache();
      const first = await poll(a, cache, a.deviceId, '1');
      assert.deepEqual(first, { headerStatus: '200', reused: false });
      assert.equal(cache.size, 1, 'the device kept the session ticket');
      const second = await poll(a, cache, a.deviceId, '2');
      assert.deepEqual(second, { headerStatus: '200', reused: true });
      assert.equal(await sessionsOf(a.enrollmentId), 2);
    });

    test("a resumed session cannot speak for another device, even by a client that holds the other device's certificate", async () => {
      const a = await enroll();
      const b = await enroll();
      const aCache = new TlsSessionCache();
      await poll(a, aCache, a.deviceId, '1');
      // A's resumed session naming B in SyncHdr/Source.
      const asB = await poll(a, aCache, b.deviceId, '2');
      assert.deepEqual(asB, { headerStatus: '401', reused: true });
      // B's own credentials configured, A's ticket in the cache: the session that resumes is
      // A's, so the server sees A's certificate and B's messages are refused.
      const borrowed = await poll(b, aCache, b.deviceId, '3');
      assert.deepEqual(borrowed, { headerStatus: '401', reused: true });
      assert.equal(await sessionsOf(b.enrollmentId), 0, "nothing was recorded against B's enrollment");
      // B with its own cache is fine.
      assert.equal((await poll(b, new TlsSessionCache(), b.deviceId, '4')).headerStatus, '200');
    });

    test('a certificate replaced by re-enrollment, or of a retired enrollment, is refused on resumption', async () => {
      const a = await enroll();
      const cache = new TlsSessionCache();
      assert.equal((await poll(a, cache, a.deviceId, '1')).headerStatus, '200');
      // The same device enrolls again: a new certificate, and the old one is no longer its own.
      const again = await enroll(a.deviceId);
      assert.deepEqual(await poll(a, cache, a.deviceId, '2'), { headerStatus: '401', reused: true });
      assert.equal(await sessionsOf(again.enrollmentId), 0);

      const retiredCache = new TlsSessionCache();
      assert.equal((await poll(again, retiredCache, again.deviceId, '3')).headerStatus, '200');
      await s.store.updateEnrollment(again.enrollmentId, { managementState: 'retired' });
      assert.deepEqual(await poll(again, retiredCache, again.deviceId, '4'), { headerStatus: '401', reused: true });
    });

    test('a certificate from another CA is refused on the first handshake and again on resumption', async () => {
      const a = await enroll();
      const foreignCa = await generateCertificateAuthority({ commonName: 'Not the MDM CA', validityDays: 30 });
      const forged = await issueCertificate(foreignCa, { commonName: a.deviceId, validityDays: 30, usage: 'client' });
      const cache = new TlsSessionCache();
      assert.deepEqual(await poll(forged, cache, a.deviceId, '1'), { headerStatus: '401', reused: false });
      assert.deepEqual(await poll(forged, cache, a.deviceId, '2'), { headerStatus: '401', reused: true });
      assert.equal(await sessionsOf(a.enrollmentId), 0);
    });
  });
}
