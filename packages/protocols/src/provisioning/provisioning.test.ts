import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutated, nonEmptyToken, xmlToken } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { defined, opt } from '../testing/syncml-arbitraries.js';
import { buildProvisioningDoc, buildRenewalProvisioningDoc, DEFAULT_RENEW } from './build.js';
import { parseProvisioningDoc } from './parse.js';
import type { ProvisioningDocInput } from './types.js';

const hex40 = fc.stringMatching(/^[0-9A-F]{40}$/);
const count = fc.nat({ max: 100000 });

const input: fc.Arbitrary<ProvisioningDocInput> = fc
  .record({
    rootCaThumbprint: hex40,
    rootCaBase64: fc.base64String({ maxLength: 200 }),
    clientCertThumbprint: hex40,
    clientCertBase64: fc.base64String({ maxLength: 200 }),
    certStore: fc.constantFrom('System' as const, 'User' as const),
    providerId: nonEmptyToken(),
    providerName: xmlToken(),
    managementUrl: xmlToken(),
    poll: fc
      .record({
        intervalForFirstSetOfRetriesMinutes: count,
        numberOfFirstRetries: count,
        intervalForSecondSetOfRetriesMinutes: count,
        numberOfSecondRetries: count,
        intervalForRemainingScheduledRetriesMinutes: count,
        numberOfRemainingScheduledRetries: count,
        pollOnLogin: fc.boolean(),
        allUsersPollOnFirstLogin: opt(fc.boolean()),
      })
      .map(defined),
    extraDmClientParms: opt(fc.array(fc.record({ name: xmlToken(), value: xmlToken(), datatype: fc.constantFrom('string', 'integer', 'boolean') }), { maxLength: 3 })),
    sslClientCertSearchCriteria: opt(xmlToken()),
    renew: opt(fc.record({ renewPeriodDays: count, retryIntervalDays: count })),
  })
  .map(defined);

test('build → parse recovers certificates, account and poll schedule', () => {
  fc.assert(
    fc.property(input, (doc) => {
      const parsed = parseProvisioningDoc(buildProvisioningDoc(doc));
      assert.deepStrictEqual(parsed.rootCertificates, [{ thumbprint: doc.rootCaThumbprint, base64: doc.rootCaBase64 }]);
      assert.deepStrictEqual(parsed.clientCertificates, [{ store: doc.certStore, thumbprint: doc.clientCertThumbprint, base64: doc.clientCertBase64 }]);
      assert.equal(parsed.application.providerId, doc.providerId);
      assert.equal(parsed.application.name, doc.providerName);
      assert.equal(parsed.application.addr, doc.managementUrl);
      assert.equal(parsed.application.defaultEncoding, 'application/vnd.syncml.dm+xml');
      assert.equal(parsed.application.sslClientCertSearchCriteria, doc.sslClientCertSearchCriteria);
      assert.deepStrictEqual(parsed.application.appAuth.map((a) => a.AAUTHLEVEL), ['CLIENT', 'APPSRV']);
      assert.deepStrictEqual(parsed.poll, structuredClone(doc.poll));
      assert.deepStrictEqual(parsed.dmClientParms, structuredClone(doc.extraDmClientParms ?? []));
      assert.deepStrictEqual(parsed.renew, { robotSupport: true, ...(doc.renew ?? DEFAULT_RENEW) });
    }),
    { numRuns: 200 },
  );
});

test('document carries the w7 account parms Windows expects', () => {
  const xml = buildProvisioningDoc({
    rootCaThumbprint: 'AA',
    rootCaBase64: 'MIIB',
    clientCertThumbprint: 'BB',
    clientCertBase64: 'MIIC',
    certStore: 'System',
    providerId: 'Baton',
    providerName: 'Baton MDM',
    managementUrl: 'https://mdm.baton.test/ManagementServer/MDM.svc',
    poll: { intervalForFirstSetOfRetriesMinutes: 1, numberOfFirstRetries: 0, intervalForSecondSetOfRetriesMinutes: 0, numberOfSecondRetries: 0, intervalForRemainingScheduledRetriesMinutes: 0, numberOfRemainingScheduledRetries: 0, pollOnLogin: true },
  });
  assert.ok(xml.startsWith('<wap-provisioningdoc version="1.1"><characteristic type="CertificateStore"><characteristic type="Root"><characteristic type="System"><characteristic type="AA">'));
  for (const expected of ['<parm name="APPID" value="w7"/>', '<parm name="BACKCOMPATRETRYDISABLED"/>', '<parm name="DEFAULTENCODING" value="application/vnd.syncml.dm+xml"/>', '<parm name="CONNRETRYFREQ" value="6"/>', '<characteristic type="PrivateKeyContainer"></characteristic>', '<parm name="ROBOSupport" value="true" datatype="boolean"/>', '<characteristic type="DMClient"><characteristic type="Provider"><characteristic type="Baton">']) {
    assert.ok(xml.includes(expected), expected);
  }
});

test('hostile provisioning documents only raise ProtocolParseError', () => {
  const base = buildProvisioningDoc(fc.sample(input, { numRuns: 1, seed: 7 })[0]);
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated(base)), (s) => onlyParseErrors(() => parseProvisioningDoc(s))), { numRuns: 1000 });
  rejectsWith('provisioning.root', () => parseProvisioningDoc('<SyncML/>'));
  rejectsWith('provisioning.application', () => parseProvisioningDoc('<wap-provisioningdoc version="1.1"/>'));
  rejectsWith('provisioning.parm', () => parseProvisioningDoc(base.replace(/name="NumberOfFirstRetries" value="\d+"/, 'name="NumberOfFirstRetries" value="-1"')));
  rejectsWith('xml.dtd', () => parseProvisioningDoc('<!DOCTYPE wap-provisioningdoc [<!ENTITY x "y">]><wap-provisioningdoc>&x;</wap-provisioningdoc>'));
});

test('a renewal document carries the new certificate and the account it belongs to, nothing else', () => {
  const xml = buildRenewalProvisioningDoc({
    rootCaThumbprint: 'AB'.repeat(20),
    rootCaBase64: 'Uk9PVA==',
    clientCertThumbprint: 'CD'.repeat(20),
    clientCertBase64: 'TkVX',
    certStore: 'System',
    providerId: 'Baton',
  });
  const doc = parseProvisioningDoc(xml);
  assert.deepEqual(doc.clientCertificates, [{ store: 'System', thumbprint: 'CD'.repeat(20), base64: 'TkVX' }]);
  assert.deepEqual(doc.rootCertificates, [{ thumbprint: 'AB'.repeat(20), base64: 'Uk9PVA==' }]);
  assert.equal(doc.application.providerId, 'Baton');
  assert.equal(doc.application.addr, '');
  assert.ok(!xml.includes('APPAUTH') && !xml.includes('DMClient'), 'the DM account and poll schedule are left alone');
});
