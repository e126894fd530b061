/**
 * Windows' provisioning conversation replayed in the shape real captures have, every
 * answer checked against the MS-MDE2 and OMA-DM rules (conformance/*.ts), not against
 * Baton's own builders.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { thumbprint, x509 } from '@baton/kit';
import { attr, childText, elements, type XmlElement } from '@baton/protocols';
import { PROVIDER_ID } from '../enrollment/enroll.js';
import { testBackends } from '../testing/context.js';
import { makeCsr } from '../testing/device.js';
import { startListening, type Listening } from '../testing/server.js';
import { assertDiscoverResponse, assertGetPoliciesResponse, assertRstrc } from './mde2.js';
import { assertSyncMLReply } from './syncml.js';
import { windowsDiscover, windowsGetPolicies, windowsPackage1, windowsResults, windowsRst, windowsUnenroll, WINDOWS_DISCOVER_MESSAGE_ID, type ServerGet } from './windows.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

function clientCertificate(doc: XmlElement): string {
  const my = elements(doc, 'characteristic')
    .flatMap((c) => elements(c, 'characteristic'))
    .find((c) => attr(c, 'type') === 'My');
  const user = elements(my!, 'characteristic').find((c) => attr(c, 'type') === 'User')!;
  const cert = elements(user, 'characteristic').find((c) => /^[0-9A-F]{40}$/.test(attr(c, 'type') ?? ''))!;
  const b64 = attr(elements(cert, 'parm').find((p) => attr(p, 'name') === 'EncodedCertificate'), 'value')!;
  return x509.PemConverter.encode(Buffer.from(b64, 'base64'), 'CERTIFICATE');
}

for (const backend of testBackends()) {
  describe(`Windows conversation replay, checked against the protocol rules (${backend})`, () => {
    let s: Listening;
    before(async () => {
      s = await startListening(backend);
    });
    after(async () => s.close());

    test('Discover → GetPolicies → RST → first session → later session → unenrollment', async () => {
      const anonymous = s.client();
      const discover = await anonymous.post(MANAGEMENT_PATHS.discovery, windowsDiscover(s.host, 'adele@demo.baton.local'), SOAP);
      assert.equal(discover.status, 200, discover.body);
      assert.match(discover.contentType, /^application\/soap\+xml/);
      assertDiscoverResponse(discover.body, WINDOWS_DISCOVER_MESSAGE_ID, { host: s.host });

      const jwt = await s.deviceToken();
      const policiesId = `urn:uuid:${randomUUID()}`;
      const policies = await anonymous.post(MANAGEMENT_PATHS.policy, windowsGetPolicies(s.host, policiesId, jwt), SOAP);
      assert.equal(policies.status, 200, policies.body);
      assertGetPoliciesResponse(policies.body, policiesId);

      const deviceId = randomBytes(16).toString('hex').toUpperCase();
      const keys = await makeCsr(deviceId, 2048, 'SHA-256');
      const rstId = `urn:uuid:${randomUUID()}`;
      const rst = await anonymous.post(
        MANAGEMENT_PATHS.enrollment,
        windowsRst(s.host, rstId, jwt, keys.csrBase64, { hwDevId: randomBytes(32).toString('hex').toUpperCase(), deviceName: 'DESKTOP', deviceId }),
        SOAP,
      );
      assert.equal(rst.status, 200, rst.body);
      const { doc } = assertRstrc(rst.body, rstId, { managementUrl: s.serverUrl, providerId: PROVIDER_ID, certStore: 'User' });
      await anonymous.close();

      const device = s.client({ certPem: clientCertificate(doc), keyPem: keys.privateKeyPem });
      try {
        const exchange = async (xml: string) => {
          const res = await device.post(MANAGEMENT_PATHS.omadm, xml, SYNCML);
          assert.equal(res.status, 200, res.body);
          assert.match(res.contentType, /^application\/vnd\.syncml\.dm\+xml/);
          return { xml, res: res.body, wire: assertSyncMLReply(xml, res.body, { serverUrl: s.serverUrl }) };
        };
        const h = (sessionId: string, msgId: string) => ({ sessionId, msgId, serverUrl: s.serverUrl, deviceId });

        // Session 1: package 1 gets the first-session Gets.
        const p1 = await exchange(windowsPackage1(h('1', '1'), { man: 'Microsoft Corporation', mod: 'Virtual Machine' }));
        const gets: ServerGet[] = p1.wire.commands
          .filter((c) => c.name === 'Get')
          .map((c) => ({ cmdId: c.cmdId, locUri: childText(elements(c.element, 'Item')[0]!, 'Target', 'LocURI')! }));
        assert.ok(gets.length > 0, 'the first session asks for inventory');
        const values: Record<string, string> = { './DevDetail/SwV': '10.0.26200.9278', './DevDetail/Ext/Microsoft/DeviceName': 'DESKTOP', './DevInfo/Mod': 'Virtual Machine' };
        const p2 = await exchange(windowsResults(h('1', '2'), p1.wire.msgId!, gets, values));
        assert.deepEqual(
          p2.wire.commands.map((c) => c.name),
          ['Status'],
          'Status and Results get no Status back, and nothing more is pending',
        );
        const enrollment = (await s.store.getEnrollmentByThumbprint(thumbprint(clientCertificate(doc))))!;
        assert.equal(enrollment.managementState, 'managed');
        assert.equal(enrollment.inventory['DevDetail/SwV'], '10.0.26200.9278');

        // A later poll: nothing pending, the package-1 reply closes the session.
        const later = await exchange(windowsPackage1(h('2', '1'), { man: 'Microsoft Corporation', mod: 'Virtual Machine' }));
        assert.ok(later.wire.commands.every((c) => c.name === 'Status'));

        // Unenrollment: answered, then the enrollment is retired and refuses further sessions.
        await exchange(windowsUnenroll(h('3', '1')));
        assert.equal((await s.store.getEnrollment(enrollment.id))!.managementState, 'retired');
        const refused = await device.post(MANAGEMENT_PATHS.omadm, windowsPackage1(h('4', '1'), { man: 'x', mod: 'y' }), SYNCML);
        assertSyncMLReply(windowsPackage1(h('4', '1'), { man: 'x', mod: 'y' }), refused.body, { serverUrl: s.serverUrl, headerStatus: ['401'], refusal: true });
      } finally {
        await device.close();
      }
    });
  });
}
