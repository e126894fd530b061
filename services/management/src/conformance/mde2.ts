/**
 * MS-MDE2 rules an enrollment answer must follow, checked on the wire text with the
 * generic XML reader. Sources: MS-MDE2 §3.1.4.1 (Discover), §3.3.4.1 (RST/RSTRC),
 * MS-XCEP §3.1.4.1 (GetPolicies), WS-Addressing 1.0 (Action, RelatesTo), and the
 * provisioning document Windows needs (MS-MDE2 §3.3.4.1.2.1; Learn "Provisioning
 * document" for CertificateStore, w7 APPLICATION and DMClient).
 */
import assert from 'node:assert/strict';
import { attr, child, childText, elements, parseXml, path, type XmlElement } from '@baton/protocols';

export const MDE2_ACTIONS = {
  discoverResponse: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse',
  getPoliciesResponse: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPoliciesResponse',
  rstrc: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep',
} as const;

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

export interface SoapAnswer {
  header: XmlElement;
  body: XmlElement;
  payload: XmlElement;
}

/** Header rules common to every MS-MDE2 answer; returns the body's payload element. */
export function assertSoapAnswer(xml: string, expect: { action: string; relatesTo: string; payload: string; activityId?: boolean }): SoapAnswer {
  assert.match(xml, new RegExp(`xmlns:s="${SOAP12.replace(/[./]/g, '\\$&')}"`), 'SOAP 1.2 envelope namespace');
  const env = parseXml(xml);
  assert.equal(env.name, 'Envelope');
  const header = child(env, 'Header');
  const body = child(env, 'Body');
  assert.ok(header, 's:Header present');
  assert.ok(body, 's:Body present');
  const action = child(header, 'Action');
  assert.equal(action ? childText(header, 'Action') : undefined, expect.action, 'a:Action names the response');
  assert.equal(attr(action, 'mustUnderstand'), '1', 'a:Action has s:mustUnderstand="1"');
  assert.equal(childText(header, 'RelatesTo'), expect.relatesTo, 'a:RelatesTo = the request MessageID');
  if (expect.activityId !== false) {
    const activity = childText(header, 'ActivityId');
    assert.ok(activity && activity.length > 0, 'ActivityId present');
    const correlation = attr(child(header, 'ActivityId'), 'CorrelationId');
    assert.ok(correlation && correlation.length > 0, 'ActivityId carries a CorrelationId');
  }
  const payload = elements(body)[0];
  assert.ok(payload, 'the body has a payload');
  assert.equal(payload.name, expect.payload);
  assert.equal(child(body, 'Fault'), undefined, 'not a fault');
  return { header, body, payload };
}

export function assertDiscoverResponse(xml: string, relatesTo: string, expect: { host: string }): void {
  const { payload } = assertSoapAnswer(xml, { action: MDE2_ACTIONS.discoverResponse, relatesTo, payload: 'DiscoverResponse' });
  const result = child(payload, 'DiscoverResult');
  assert.ok(result, 'DiscoverResult present');
  assert.ok(['OnPremise', 'Federated'].includes(childText(result, 'AuthPolicy') ?? ''), 'AuthPolicy');
  assert.match(childText(result, 'EnrollmentVersion') ?? '', /^\d+\.\d$/, 'EnrollmentVersion like 5.0');
  for (const name of ['EnrollmentPolicyServiceUrl', 'EnrollmentServiceUrl']) {
    const parsed: URL = new URL(childText(result, name) ?? 'x:');
    assert.equal(parsed.protocol, 'https:', `${name} is https`);
    assert.equal(parsed.host, expect.host, `${name} is on the host Windows asked`);
  }
}

export function assertGetPoliciesResponse(xml: string, relatesTo: string): void {
  // MS-XCEP does not ask for the diagnostics ActivityId, and the codec writes none here.
  const { payload } = assertSoapAnswer(xml, { action: MDE2_ACTIONS.getPoliciesResponse, relatesTo, payload: 'GetPoliciesResponse', activityId: false });
  const policy = path(payload, 'response', 'policies', 'policy');
  assert.ok(policy, 'response/policies/policy present');
  const attributes = child(policy, 'attributes');
  assert.ok(attributes, 'policy attributes present');
  const keyLength = Number(childText(attributes, 'privateKeyAttributes', 'minimalKeyLength'));
  assert.ok(keyLength >= 2048, 'minimalKeyLength at least 2048');
}

export interface ProvisioningExpectations {
  managementUrl: string;
  providerId: string;
  certStore: 'System' | 'User';
}

/** The RSTRC and the provisioning document inside it; returns the decoded document. */
export function assertRstrc(xml: string, relatesTo: string, expect: ProvisioningExpectations): { doc: XmlElement; docXml: string } {
  const { header, payload } = assertSoapAnswer(xml, { action: MDE2_ACTIONS.rstrc, relatesTo, payload: 'RequestSecurityTokenResponseCollection' });
  const ts = path(header, 'Security', 'Timestamp');
  assert.ok(ts, 'wsse:Security/u:Timestamp present');
  assert.ok(Date.parse(childText(ts, 'Created') ?? '') < Date.parse(childText(ts, 'Expires') ?? ''), 'Timestamp Created < Expires');
  const rstr = child(payload, 'RequestSecurityTokenResponse');
  assert.ok(rstr, 'RequestSecurityTokenResponse present');
  assert.equal(childText(rstr, 'TokenType'), 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken', 'TokenType');
  const bst = path(rstr, 'RequestedSecurityToken', 'BinarySecurityToken');
  assert.ok(bst, 'RequestedSecurityToken/BinarySecurityToken present');
  assert.equal(attr(bst, 'ValueType'), 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc', 'ValueType');
  assert.equal(attr(bst, 'EncodingType'), 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary', 'EncodingType');
  assert.ok(childText(rstr, 'RequestID') !== undefined, 'RequestID present');
  const encoded = childText(rstr, 'RequestedSecurityToken', 'BinarySecurityToken') ?? '';
  assert.match(encoded, /^[A-Za-z0-9+/]+={0,2}$/, 'the token is base64');
  const docXml = Buffer.from(encoded, 'base64').toString('utf8');
  const doc = parseXml(docXml);
  assertProvisioningDoc(doc, expect);
  return { doc, docXml };
}

const characteristic = (parent: XmlElement | undefined, type: string) =>
  parent ? elements(parent, 'characteristic').find((c) => attr(c, 'type') === type) : undefined;
const characteristicsOf = (parent: XmlElement | undefined) => (parent ? elements(parent, 'characteristic') : []);
const parm = (parent: XmlElement | undefined, name: string) =>
  parent ? attr(elements(parent, 'parm').find((p) => attr(p, 'name') === name), 'value') : undefined;

/** What Windows needs in the wap-provisioningdoc to finish enrollment and start OMA-DM. */
export function assertProvisioningDoc(doc: XmlElement, expect: ProvisioningExpectations): void {
  assert.equal(doc.name, 'wap-provisioningdoc');
  assert.equal(attr(doc, 'version'), '1.1', 'wap-provisioningdoc version 1.1');
  const stores = characteristicsOf(doc).filter((c) => attr(c, 'type') === 'CertificateStore');
  const rootSystem = stores.map((s) => characteristic(characteristic(s, 'Root'), 'System')).find(Boolean);
  assert.ok(rootSystem, 'CertificateStore/Root/System present');
  const roots = characteristicsOf(rootSystem);
  assert.ok(roots.length >= 1, 'a root certificate');
  for (const r of roots) {
    assert.match(attr(r, 'type') ?? '', /^[0-9A-F]{40}$/, 'root characteristic named by its SHA-1 thumbprint');
    assert.ok(parm(r, 'EncodedCertificate'), 'root EncodedCertificate');
  }
  const my = stores.map((s) => characteristic(characteristic(s, 'My'), expect.certStore)).find(Boolean);
  assert.ok(my, `CertificateStore/My/${expect.certStore} present`);
  const client = characteristicsOf(my).find((c) => /^[0-9A-F]{40}$/.test(attr(c, 'type') ?? ''));
  assert.ok(client && parm(client, 'EncodedCertificate'), 'client certificate by thumbprint with EncodedCertificate');

  const app = characteristic(doc, 'APPLICATION');
  assert.ok(app, 'APPLICATION present');
  assert.equal(parm(app, 'APPID'), 'w7', 'APPID w7');
  assert.equal(parm(app, 'PROVIDER-ID'), expect.providerId, 'PROVIDER-ID');
  const addr = parm(app, 'ADDR') ?? '';
  assert.equal(new URL(addr).protocol, 'https:', 'ADDR is https');
  assert.equal(addr, expect.managementUrl, 'ADDR is MDM.svc');
  const auths = characteristicsOf(app).filter((c) => attr(c, 'type') === 'APPAUTH');
  const clientAuth = auths.find((a) => parm(a, 'AAUTHLEVEL') === 'CLIENT');
  assert.ok(clientAuth, 'APPAUTH CLIENT present');
  assert.equal(parm(clientAuth, 'AAUTHTYPE'), 'DIGEST', 'APPAUTH CLIENT is DIGEST');
  for (const name of ['AAUTHNAME', 'AAUTHSECRET', 'AAUTHDATA']) assert.ok(parm(clientAuth, name), `APPAUTH CLIENT ${name}`);
  assert.ok(auths.some((a) => parm(a, 'AAUTHLEVEL') === 'APPSRV'), 'APPAUTH APPSRV present');

  const provider = characteristic(characteristic(characteristic(doc, 'DMClient'), 'Provider'), expect.providerId);
  assert.ok(provider, `DMClient/Provider/${expect.providerId} present`);
  assert.ok(characteristic(provider, 'Poll'), 'DMClient Poll schedule');
}
