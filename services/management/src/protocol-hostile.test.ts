/**
 * Hostile conversations over real HTTPS: entity tricks, depth, size, foreign or borrowed
 * certificates, numbering games, forged acknowledgements, and the digest fallback. Each
 * is refused in the protocol's shape and, where it matters, leaves no row behind.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { generateCertificateAuthority, issueCertificate, signPublicKey, thumbprint, x509 } from '@baton/kit';
import { childText, elements, parseProvisioningDoc, parseRequestSecurityTokenResponse, parseSoapFault, parseXml } from '@baton/protocols';
import { assertSyncMLReply } from './conformance/syncml.js';
import { windowsMessage, windowsPackage1, windowsResults, windowsRst, type WindowsHeader } from './conformance/windows.js';
import { md5Digest } from './session/authenticate.js';
import { testBackends } from './testing/context.js';
import { makeCsr } from './testing/device.js';
import { startListening, type Listening } from './testing/server.js';
import { tableCounts } from './testing/store.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

const XXE = '<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SyncML><SyncHdr><SessionID>&xxe;</SessionID></SyncHdr></SyncML>';
const LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
  ']><SyncML>&lol9;</SyncML>';
// Under the body limits, so the XML reader's depth bound is what refuses it.
const DEEP = '<SyncML>' + '<Item>'.repeat(30_000) + '</Item>'.repeat(30_000) + '</SyncML>';

for (const backend of testBackends()) {
  describe(`hostile OMA-DM and MS-MDE2 conversations (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    interface Device {
      deviceId: string;
      certPem: string;
      keyPem: string;
      enrollmentId: string;
      appAuth: Record<string, string>;
    }

    async function enroll(): Promise<Device> {
      const deviceId = randomBytes(16).toString('hex').toUpperCase();
      const keys = await makeCsr(deviceId);
      const c = s.client();
      try {
        const res = await c.post(
          MANAGEMENT_PATHS.enrollment,
          windowsRst(s.host, `urn:uuid:${randomUUID()}`, await s.deviceToken(), keys.csrBase64, { hwDevId: randomBytes(32).toString('hex'), deviceName: 'D', deviceId }),
          SOAP,
        );
        assert.equal(res.status, 200, res.body);
        const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
        const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
        const enrollment = (await s.store.getEnrollmentByThumbprint(thumbprint(certPem)))!;
        const appAuth = doc.application.appAuth.find((a) => a['AAUTHLEVEL'] === 'CLIENT')!;
        return { deviceId, certPem, keyPem: keys.privateKeyPem, enrollmentId: enrollment.id, appAuth };
      } finally {
        await c.close();
      }
    }

    const h = (d: Device, sessionId: string, msgId: string, md5?: string): WindowsHeader => ({ sessionId, msgId, serverUrl: s.serverUrl, deviceId: d.deviceId, ...(md5 ? { md5 } : {}) });
    const pkg1 = (header: WindowsHeader) => windowsPackage1(header, { man: 'Contoso', mod: 'VM' });
    const headerStatus = (xml: string) => {
      const status = elements(parseXml(xml).children.find((c) => 'name' in c && c.name === 'SyncBody') as never, 'Status')[0]!;
      return { data: childText(status, 'Data'), nonce: childText(status, 'Chal', 'Meta', 'NextNonce'), type: childText(status, 'Chal', 'Meta', 'Type') };
    };

    async function unchanged(action: () => Promise<void>) {
      const before = await tableCounts(s.store);
      await action();
      assert.deepEqual(await tableCounts(s.store), before, 'no row was added, removed or changed state');
    }

    test('XXE, billion laughs and deep nesting: 400 on MDM.svc, messageformat fault on the SOAP endpoints, nothing stored', async () => {
      const c = s.client();
      try {
        await unchanged(async () => {
          for (const body of [XXE, LAUGHS, DEEP]) {
            const started = performance.now();
            const dm = await c.post(MANAGEMENT_PATHS.omadm, body, SYNCML);
            assert.equal(dm.status, 400, dm.body.slice(0, 200));
            assert.ok(!dm.body.includes('root:'), 'no file content leaks');
            for (const path of [MANAGEMENT_PATHS.discovery, MANAGEMENT_PATHS.enrollment]) {
              const soap = await c.post(path, body.replace(/SyncML/g, 's:Envelope'), SOAP);
              assert.ok([400, 413].includes(soap.status), `${path} ${soap.status}`);
              assert.equal(parseSoapFault(soap.body)?.subcode, 'messageformat');
            }
            assert.ok(performance.now() - started < 5000, 'refused quickly');
          }
        });
      } finally {
        await c.close();
      }
    });

    test('a 10 MB body gets a 413 in the protocol shape, quickly', async () => {
      const c = s.client();
      try {
        const huge = Buffer.alloc(10 * 1024 * 1024, 'A');
        const t0 = performance.now();
        const dm = await c.post(MANAGEMENT_PATHS.omadm, huge, SYNCML);
        assert.equal(dm.status, 413);
        const soap = await c.post(MANAGEMENT_PATHS.enrollment, huge, SOAP);
        assert.equal(soap.status, 413);
        assert.equal(parseSoapFault(soap.body)?.subcode, 'messageformat');
        assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
      } finally {
        await c.close();
      }
    });

    test('certificates of another CA, of another device, or a device posting as another: 401, nothing handed out', async () => {
      const a = await enroll();
      const b = await enroll();
      const strangerCa = await generateCertificateAuthority({ commonName: 'Baton MDM Device CA', validityDays: 30, algorithm: 'RSA' });
      const stranger = await issueCertificate(strangerCa, { commonName: a.deviceId, validityDays: 30, usage: 'client' });
      // Management's own CA, the device's name, but not the certificate of record.
      const authority = await s.deps.authority();
      const keyOfA = new x509.X509Certificate(a.certPem).publicKey;
      const twin = { certPem: await signPublicKey(authority, keyOfA, { commonName: a.deviceId, validityDays: 30, usage: 'client' }), keyPem: a.keyPem };
      await unchanged(async () => {
        for (const [cert, target] of [
          [stranger, a],
          [twin, a],
          [{ certPem: a.certPem, keyPem: a.keyPem }, b],
        ] as const) {
          const c = s.client(cert);
          try {
            const xml = pkg1(h(target, '1', '1'));
            const res = await c.post(MANAGEMENT_PATHS.omadm, xml, SYNCML);
            assertSyncMLReply(xml, res.body, { serverUrl: s.serverUrl, headerStatus: ['401'], refusal: true });
          } finally {
            await c.close();
          }
        }
      });
    });

    test('MsgID repeated, going backwards, huge or zero, and SessionID reuse after the end: SyncHdr 400, no trace', async () => {
      const d = await enroll();
      const c = s.client({ certPem: d.certPem, keyPem: d.keyPem });
      try {
        const first = pkg1(h(d, '1', '3'));
        const r1 = await c.post(MANAGEMENT_PATHS.omadm, first, SYNCML);
        assertSyncMLReply(first, r1.body, { serverUrl: s.serverUrl });
        const refused = async (xml: string) => {
          const res = await c.post(MANAGEMENT_PATHS.omadm, xml, SYNCML);
          assert.equal(res.status, 200);
          assertSyncMLReply(xml, res.body, { serverUrl: s.serverUrl, headerStatus: ['400'], refusal: true });
        };
        const statusOnly = (header: WindowsHeader) => windowsMessage(header, '<Status><CmdID>1</CmdID><MsgRef>3</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>');
        await unchanged(async () => {
          await refused(statusOnly(h(d, '1', '3')));
          await refused(statusOnly(h(d, '1', '2')));
          await refused(pkg1(h(d, '1', '3')));
          await refused(statusOnly(h(d, '1', '99999999999999999999')));
          await refused(statusOnly(h(d, '1', '0')));
          await refused(statusOnly(h(d, '7', '2')));
        });
        // Finish session 1 (answer every Get), then try to continue it.
        const gets = elements(elements(parseXml(r1.body), 'SyncBody')[0]!, 'Get').map((g) => ({ cmdId: childText(g, 'CmdID')!, locUri: childText(elements(g, 'Item')[0]!, 'Target', 'LocURI')! }));
        const done = windowsResults(h(d, '1', '4'), '3', gets, {});
        assertSyncMLReply(done, (await c.post(MANAGEMENT_PATHS.omadm, done, SYNCML)).body, { serverUrl: s.serverUrl });
        await unchanged(async () => {
          await refused(statusOnly(h(d, '1', '5')));
        });
      } finally {
        await c.close();
      }
    });

    test('Status and Results for commands never sent to this device acknowledge nothing', async () => {
      const a = await enroll();
      const b = await enroll();
      const ca = s.client({ certPem: a.certPem, keyPem: a.keyPem });
      const cb = s.client({ certPem: b.certPem, keyPem: b.keyPem });
      try {
        const xa = pkg1(h(a, '1', '1'));
        const ra = await ca.post(MANAGEMENT_PATHS.omadm, xa, SYNCML);
        const getsA = elements(elements(parseXml(ra.body), 'SyncBody')[0]!, 'Get').map((g) => ({ cmdId: childText(g, 'CmdID')!, locUri: childText(elements(g, 'Item')[0]!, 'Target', 'LocURI')! }));
        // B's session numbers its messages from 5, so references to A's message 1 are not B's either.
        await cb.post(MANAGEMENT_PATHS.omadm, pkg1(h(b, '1', '5')), SYNCML);
        const queueA = await s.store.listQueue(a.enrollmentId);
        // B answers A's commands (A's session, message and CmdIDs), and invents one nobody sent.
        const forged = [
          windowsResults(h(b, '1', '6'), '1', getsA, { './DevDetail/SwV': 'forged' }),
          windowsResults(h(b, '1', '7'), '5', [{ cmdId: '999', locUri: './DevInfo/Mod' }], { './DevInfo/Mod': 'forged' }),
        ];
        for (const xml of forged) {
          const res = await cb.post(MANAGEMENT_PATHS.omadm, xml, SYNCML);
          assertSyncMLReply(xml, res.body, { serverUrl: s.serverUrl });
        }
        assert.deepEqual(await s.store.listQueue(a.enrollmentId), queueA, "A's queue is untouched");
        assert.ok((await s.store.listQueue(b.enrollmentId)).every((q) => q.status === 'sent' && q.result === null), "B's own commands were not answered by the forged refs");
        // A answering its own Get twice: the first outcome stands.
        const answer = (msgId: string, code: string) =>
          windowsMessage(h(a, '1', msgId), `<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>${getsA[0]!.cmdId}</CmdRef><Cmd>Get</Cmd><Data>${code}</Data></Status>`);
        await ca.post(MANAGEMENT_PATHS.omadm, answer('2', '404'), SYNCML);
        await ca.post(MANAGEMENT_PATHS.omadm, answer('3', '200'), SYNCML);
        const first = (await s.store.listQueue(a.enrollmentId)).find((q) => q.cmdId === getsA[0]!.cmdId)!;
        assert.deepEqual([first.status, first.statusCode], ['failed', '404']);
      } finally {
        await ca.close();
        await cb.close();
      }
    });

    test('MD5 digest without a client certificate: challenge, good digest, session continues, wrong digest and replay refused', async () => {
      const d = await enroll();
      const name = d.appAuth['AAUTHNAME']!;
      const secret = d.appAuth['AAUTHSECRET']!;
      const c = s.client();
      try {
        // No certificate, no Cred: 407 and the nonce from the provisioning document.
        const bare = pkg1(h(d, '1', '1'));
        let res = await c.post(MANAGEMENT_PATHS.omadm, bare, SYNCML);
        assertSyncMLReply(bare, res.body, { serverUrl: s.serverUrl, headerStatus: ['407'], refusal: true });
        const chal = headerStatus(res.body);
        assert.equal(chal.type, 'syncml:auth-md5');
        assert.equal(chal.nonce, d.appAuth['AAUTHDATA']);

        // Wrong secret: 401, nothing stored, the nonce unchanged.
        await unchanged(async () => {
          const wrong = pkg1(h(d, '1', '2', md5Digest(name, 'not-the-secret', chal.nonce!).toString('base64')));
          res = await c.post(MANAGEMENT_PATHS.omadm, wrong, SYNCML);
          assertSyncMLReply(wrong, res.body, { serverUrl: s.serverUrl, headerStatus: ['401'], refusal: true });
          assert.equal(headerStatus(res.body).nonce, chal.nonce);
        });

        // The right digest: 212, a fresh NextNonce, and the session's work.
        const goodCred = md5Digest(name, secret, chal.nonce!).toString('base64');
        const good = pkg1(h(d, '1', '3', goodCred));
        res = await c.post(MANAGEMENT_PATHS.omadm, good, SYNCML);
        const wire = assertSyncMLReply(good, res.body, { serverUrl: s.serverUrl, headerStatus: ['212'] });
        const accepted = headerStatus(res.body);
        assert.ok(accepted.nonce && accepted.nonce !== chal.nonce, 'a new nonce for the next session');
        const gets = wire.commands.filter((x) => x.name === 'Get').map((g) => ({ cmdId: g.cmdId, locUri: childText(elements(g.element, 'Item')[0]!, 'Target', 'LocURI')! }));
        assert.ok(gets.length > 0);

        // Later messages of the digest session need no Cred.
        const cont = windowsResults(h(d, '1', '4'), '3', gets, { './DevDetail/SwV': '10.0.26200.9278' });
        res = await c.post(MANAGEMENT_PATHS.omadm, cont, SYNCML);
        assertSyncMLReply(cont, res.body, { serverUrl: s.serverUrl });
        assert.equal((await s.store.getEnrollment(d.enrollmentId))!.managementState, 'managed');

        // Replaying the accepted Cred in a new session: the nonce is spent.
        await unchanged(async () => {
          const replay = pkg1(h(d, '2', '1', goodCred));
          res = await c.post(MANAGEMENT_PATHS.omadm, replay, SYNCML);
          assertSyncMLReply(replay, res.body, { serverUrl: s.serverUrl, headerStatus: ['401'], refusal: true });
          // And a message without Cred cannot ride on the ended session.
          const ride = windowsMessage(h(d, '1', '5'), '<Alert><CmdID>2</CmdID><Data>1224</Data></Alert>');
          res = await c.post(MANAGEMENT_PATHS.omadm, ride, SYNCML);
          assert.ok(['400', '407'].includes(headerStatus(res.body).data!));
        });

        // The next session authenticates with the NextNonce it was given.
        const next = pkg1(h(d, '2', '2', md5Digest(name, secret, accepted.nonce!).toString('base64')));
        res = await c.post(MANAGEMENT_PATHS.omadm, next, SYNCML);
        assertSyncMLReply(next, res.body, { serverUrl: s.serverUrl, headerStatus: ['212'] });
      } finally {
        await c.close();
      }
    });

    test('the digest secret is stored sealed, never in clear', async () => {
      const d = await enroll();
      const [candidate] = await s.store.digestCandidates(d.deviceId);
      assert.ok(candidate);
      assert.ok(!candidate.credential.secretSealed.includes(d.appAuth['AAUTHSECRET']!));
      assert.equal(s.deps.secrets.openText(candidate.credential.secretSealed), d.appAuth['AAUTHSECRET']);
    });
  });
}
