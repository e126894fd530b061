import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nonEmptyToken, xmlToken } from '../testing/arbitraries.js';
import { defined, opt } from '../testing/syncml-arbitraries.js';
import { buildDiscoverRequest, buildDiscoverResponse, parseDiscoverRequest, parseDiscoverResponse } from './discovery.js';
import { buildRequestSecurityToken, buildRequestSecurityTokenResponse, parseRequestSecurityToken, parseRequestSecurityTokenResponse } from './enrollment.js';
import { buildSoapFault, parseSoapFault } from './fault.js';
import { ACTION, TOKEN } from './namespaces.js';
import { buildGetPoliciesRequest, buildGetPoliciesResponse, OID, parseGetPoliciesRequest, parseGetPoliciesResponse } from './policy.js';

const plain = <T>(v: T): T => structuredClone(v);
const token = fc.record({ valueType: xmlToken(), encodingType: xmlToken(), value: xmlToken(60) });

test('Discover request round trip', () => {
  const arb = fc
    .record({
      messageId: nonEmptyToken(),
      to: opt(xmlToken()),
      emailAddress: xmlToken(),
      requestVersion: xmlToken(5),
      deviceType: xmlToken(),
      applicationVersion: xmlToken(),
      osEdition: xmlToken(4),
      authPolicies: fc.array(xmlToken(10), { maxLength: 3 }),
    })
    .map(defined);
  fc.assert(fc.property(arb, (req) => assert.deepStrictEqual(parseDiscoverRequest(buildDiscoverRequest(req)), plain(req))), { numRuns: 200 });
});

test('Discover response round trip', () => {
  const arb = fc
    .record({
      relatesTo: xmlToken(),
      authPolicy: fc.constantFrom('OnPremise' as const, 'Federated' as const, 'Certificate' as const),
      enrollmentVersion: xmlToken(4),
      enrollmentPolicyServiceUrl: xmlToken(),
      enrollmentServiceUrl: xmlToken(),
      authenticationServiceUrl: opt(xmlToken()),
      activityId: opt(xmlToken()),
    })
    .map(defined);
  fc.assert(fc.property(arb, (res) => assert.deepStrictEqual(parseDiscoverResponse(buildDiscoverResponse(res)), plain(res))), { numRuns: 200 });
});

test('GetPolicies request round trip, with binary or username token', () => {
  const arb = fc
    .record({
      messageId: nonEmptyToken(),
      to: opt(xmlToken()),
      binarySecurityToken: opt(token),
    })
    .map(defined);
  fc.assert(fc.property(arb, (req) => assert.deepStrictEqual(parseGetPoliciesRequest(buildGetPoliciesRequest(req)), plain(req))), { numRuns: 200 });
  const withPassword = { messageId: 'urn:uuid:1', usernameToken: { username: 'ada@baton.test', password: 'p<&>"' } };
  assert.deepStrictEqual(parseGetPoliciesRequest(buildGetPoliciesRequest(withPassword)), withPassword);
});

test('GetPolicies response carries schema 3, key length, validity and SHA-256/RSA OIDs', () => {
  const xml = buildGetPoliciesResponse({ relatesTo: 'urn:uuid:9', minimalKeyLength: 2048, validityPeriodSeconds: 31_536_000, renewalPeriodSeconds: 15_552_000 });
  assert.ok(xml.includes('<keySpec xsi:nil="true"/>'));
  const parsed = parseGetPoliciesResponse(xml);
  assert.deepStrictEqual(
    { ...parsed, oids: parsed.oids.map((o) => o.value) },
    {
      relatesTo: 'urn:uuid:9',
      policySchema: 3,
      minimalKeyLength: 2048,
      validityPeriodSeconds: 31_536_000,
      renewalPeriodSeconds: 15_552_000,
      commonName: 'Baton',
      cryptoProviders: ['Microsoft Platform Crypto Provider', 'Microsoft Software Key Storage Provider'],
      enroll: true,
      autoEnroll: false,
      hashAlgorithmOid: OID.sha256.value,
      keyAlgorithmOid: OID.rsa.value,
      oids: [OID.sha256.value, OID.rsa.value],
    },
  );
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1024, max: 16384 }), (validity, renewal, keyLength) => {
      const p = parseGetPoliciesResponse(buildGetPoliciesResponse({ relatesTo: 'r', minimalKeyLength: keyLength, validityPeriodSeconds: validity, renewalPeriodSeconds: renewal }));
      assert.deepStrictEqual([p.validityPeriodSeconds, p.renewalPeriodSeconds, p.minimalKeyLength], [validity, renewal, keyLength]);
    }),
  );
});

test('RequestSecurityToken round trip keeps context order and duplicates', () => {
  const arb = fc.record({
    to: opt(xmlToken()),
    messageId: nonEmptyToken(),
    headerToken: opt(fc.record({ valueType: fc.constantFrom(TOKEN.jwt, TOKEN.deviceEnrollmentUserToken), value: xmlToken(80) })),
    csrBase64: fc.base64String({ minLength: 4, maxLength: 200 }),
    additionalContext: fc.array(fc.tuple(fc.constantFrom('MAC', 'DeviceID', 'HWDevID', '__proto__', 'constructor', 'x y'), xmlToken()), { maxLength: 8 }),
  });
  fc.assert(
    fc.property(arb, (input) => {
      const rst = parseRequestSecurityToken(buildRequestSecurityToken(defined(input)));
      assert.equal(rst.messageId, input.messageId);
      assert.equal(rst.to, input.to);
      assert.deepStrictEqual(rst.contextItems, input.additionalContext);
      assert.deepStrictEqual(Object.entries(rst.additionalContext), Object.entries(Object.fromEntries(input.additionalContext)));
      assert.equal(Object.getPrototypeOf(rst.additionalContext), Object.prototype);
      assert.deepStrictEqual(rst.binarySecurityToken, { valueType: TOKEN.pkcs10, encodingType: TOKEN.base64Encoding, value: input.csrBase64 });
      assert.equal(rst.tokenType, TOKEN.deviceEnrollmentToken);
      assert.equal(rst.requestType, TOKEN.issue);
      if (input.headerToken) assert.deepStrictEqual(rst.headerToken, { ...input.headerToken, encodingType: TOKEN.base64Encoding });
      else assert.equal(rst.headerToken, undefined);
    }),
    { numRuns: 200 },
  );
});

test('RequestSecurityTokenResponse round trip decodes the provisioning document', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), xmlToken(), fc.nat().map(String), (doc, relatesTo, requestId) => {
      const xml = buildRequestSecurityTokenResponse({ relatesTo, provisioningDocXml: doc, requestId, now });
      assert.deepStrictEqual(parseRequestSecurityTokenResponse(xml), {
        relatesTo,
        tokenType: TOKEN.deviceEnrollmentToken,
        provisioningDocXml: doc,
        requestId,
        created: '2026-03-01T11:55:00.000Z',
        expires: '2026-03-01T12:05:00.000Z',
      });
      assert.ok(xml.includes(`ValueType="${TOKEN.provisionDoc}"`));
    }),
    { numRuns: 200 },
  );
});

test('SOAP faults round trip; non-fault envelopes give null', () => {
  const subcodes = ['messageformat', 'authentication', 'authorization', 'certificaterequest', 'enrollmentserver', 'internalservicefault', 'invalidsecurity'] as const;
  fc.assert(
    fc.property(fc.constantFrom('Sender' as const, 'Receiver' as const), fc.constantFrom(...subcodes), xmlToken(), opt(xmlToken()), (code, subcode, reason, errorType) => {
      const xml = buildSoapFault({ relatesTo: 'urn:uuid:1', code, subcode, reason, activityId: 'act', errorType });
      assert.deepStrictEqual(parseSoapFault(xml), { code, subcode, reason });
    }),
  );
  const xml = buildSoapFault({ code: 'Receiver', subcode: 'authentication', reason: 'no', action: ACTION.requestSecurityTokenResponse });
  assert.ok(xml.includes('xmlns:e="http://schemas.microsoft.com/windows/pki/2009/01/enrollment">e:authentication</s:Value>'));
  assert.ok(buildSoapFault({ code: 'Sender', subcode: 'invalidsecurity', reason: 'x' }).includes('<s:Value>a:invalidsecurity</s:Value>'));
  assert.equal(parseSoapFault(buildDiscoverRequest({ messageId: 'm', emailAddress: '', requestVersion: '', deviceType: '', applicationVersion: '', osEdition: '', authPolicies: [] })), null);
});
