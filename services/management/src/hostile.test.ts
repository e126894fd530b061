/**
 * Hostile input at every management endpoint: whatever the body, the answer is a
 * protocol-shaped 4xx (or a protocol-level refusal), never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MANAGEMENT_PATHS, MDM_RESOURCE } from '@baton/contracts';
import type { BatonApp } from '@baton/kit';
import { buildDiscoverRequest, buildGetPoliciesRequest, parseSoapFault, parseSyncML, TOKEN, type SyncMLStatus } from '@baton/protocols';
import fc from 'fast-check';
import { buildManagementApp } from './app.js';
import { createTestContext, tempDir, type TestContext } from './testing/context.js';
import { makeCsr, package1, rstXml } from './testing/device.js';
import { startFakeIdentity, type FakeIdentity } from './testing/fake-identity.js';

const CONTENT_TYPES = [
  'application/soap+xml; charset=utf-8',
  'application/vnd.syncml.dm+xml',
  'application/xml',
  'text/plain',
  'application/json',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
];

const FRAGMENTS = ['<', '>', '&', '"', '/', '<!DOCTYPE x [<!ENTITY a "b">]>', '&a;', '&#0;', ']]>', '<![CDATA[', '</', '<Final/>', '<CmdID>x</CmdID>', '\u0000', '\uFFFF', '<s:Body>', '<SyncHdr>', '<MsgID>0</MsgID>', 'xmlns:s="x"'];

/** Flips, inserts, deletes and truncates around a valid document. */
function mutated(valid: string): fc.Arbitrary<string> {
  return fc
    .array(fc.record({ at: fc.nat({ max: valid.length }), op: fc.constantFrom('delete', 'insert', 'replace', 'truncate'), text: fc.constantFrom(...FRAGMENTS) }), { minLength: 1, maxLength: 6 })
    .map((edits) => {
      let s = valid;
      for (const e of edits) {
        const at = Math.min(e.at, s.length);
        if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + 1 + (e.at % 9));
        else if (e.op === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
        else if (e.op === 'replace') s = s.slice(0, at) + e.text + s.slice(at + e.text.length);
        else s = s.slice(0, at);
      }
      return s;
    });
}

/** Random nestings of the element names the codecs look for. */
const xmlish: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\uFFFF', '\u0001', '\uD800', '&#0;', '&#xD800;', '&amp;', '<![CDATA[\uFFFE]]>'),
    fc
      .tuple(
        fc.constantFrom('s:Envelope', 's:Header', 's:Body', 'Discover', 'request', 'GetPolicies', 'wst:RequestSecurityToken', 'wsse:BinarySecurityToken', 'SyncML', 'SyncHdr', 'SyncBody', 'Status', 'Results', 'Alert', 'Get', 'Item', 'Data', 'CmdID', 'MsgID', 'SessionID', 'Source', 'LocURI'),
        fc.array(tie('node'), { maxLength: 4 }),
      )
      .map(([name, kids]) => `<${name}>${kids.join('')}</${name}>`),
  ),
})).node;

describe('hostile bodies never produce a 500', () => {
  let identity: FakeIdentity;
  let tc: TestContext;
  let app: BatonApp;
  let close: () => Promise<void>;
  const dir = tempDir();
  const templates: Record<string, string> = {};

  before(async () => {
    identity = await startFakeIdentity(dir.path);
    tc = createTestContext('sqlite', identity);
    ({ app, close } = await buildManagementApp(tc.ctx));
    const token = await identity.mint({ aud: MDM_RESOURCE, deviceid: '0b6b3a52-7e5c-4b1f-9a57-3f0e0d1c2b3a' });
    const bst = { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(token).toString('base64') };
    templates[MANAGEMENT_PATHS.discovery] = buildDiscoverRequest({
      messageId: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
      emailAddress: 'a@b.c',
      requestVersion: '5.0',
      deviceType: 'CIMClient_Windows',
      applicationVersion: '10.0',
      osEdition: '4',
      authPolicies: ['Federated'],
    });
    templates[MANAGEMENT_PATHS.policy] = buildGetPoliciesRequest({ messageId: 'urn:uuid:1', binarySecurityToken: bst });
    templates[MANAGEMENT_PATHS.enrollment] = rstXml({ token, csrBase64: (await makeCsr()).csrBase64, deviceId: 'HOSTILE-DEVICE' });
    templates[MANAGEMENT_PATHS.omadm] = package1('HOSTILE-DEVICE');
  });
  after(async () => {
    await close();
    await identity.close();
    await tc.cleanup();
    dir.remove();
  });

  const bodies = (path: string) =>
    fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), xmlish, mutated(templates[path]!));

  for (const path of [MANAGEMENT_PATHS.discovery, MANAGEMENT_PATHS.policy, MANAGEMENT_PATHS.enrollment]) {
    test(`${path}: SOAP fault or answer, 4xx for anything that is not a valid request`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(path), fc.constantFrom(...CONTENT_TYPES), async (payload, contentType) => {
          const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload });
          assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(payload).slice(0, 200)}: ${res.body.slice(0, 300)}`);
          assert.match(String(res.headers['content-type']), /^application\/soap\+xml/);
          if (res.statusCode !== 200) {
            assert.ok(res.statusCode >= 400);
            assert.ok(parseSoapFault(res.body), 'the error is a SOAP fault');
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  test('MDM.svc: 4xx, or a SyncML reply refusing the unauthenticated sender', async () => {
    await fc.assert(
      fc.asyncProperty(bodies(MANAGEMENT_PATHS.omadm), fc.constantFrom(...CONTENT_TYPES), async (payload, contentType) => {
        const res = await app.inject({ method: 'POST', url: MANAGEMENT_PATHS.omadm, headers: { 'content-type': contentType }, payload });
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(payload).slice(0, 200)}: ${res.body.slice(0, 300)}`);
        if (res.statusCode === 200) {
          const reply = parseSyncML(res.body);
          assert.equal(reply.commands.length, 1);
          assert.ok(['401', '407'].includes((reply.commands[0] as SyncMLStatus).data));
        } else {
          assert.ok(res.statusCode >= 400);
        }
      }),
      { numRuns: 300 },
    );
  });
});
