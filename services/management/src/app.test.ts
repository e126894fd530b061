import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE, MDM_RESOURCE, MANAGEMENT_PATHS, ROLES } from '@baton/contracts';
import { generateCertificateAuthority, isIssuedBy, issueCertificate, type BatonApp, x509 } from '@baton/kit';
import {
  buildDiscoverRequest,
  buildGetPoliciesRequest,
  parseDiscoverResponse,
  parseGetPoliciesResponse,
  parseProvisioningDoc,
  parseRequestSecurityTokenResponse,
  parseSoapFault,
  parseSyncML,
  TOKEN,
  type SyncMLItemCommand,
  type SyncMLStatus,
} from '@baton/protocols';
import { Agent, request as undiciRequest } from 'undici';
import { buildManagementApp } from './app.js';
import type { ManagementDeps } from './deps.js';
import { createTestContext, tempDir, testBackends, type TestContext } from './testing/context.js';
import { answerGets, makeCsr, package1, rstXml } from './testing/device.js';
import { startFakeIdentity, type FakeIdentity } from './testing/fake-identity.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

for (const backend of testBackends()) {
  describe(`management endpoints (${backend})`, () => {
    let identity: FakeIdentity;
    let tc: TestContext;
    let app: BatonApp;
    let deps: ManagementDeps;
    let close: () => Promise<void>;
    let baseUrl: string;
    const identityDir = tempDir();

    before(async () => {
      identity = await startFakeIdentity(identityDir.path);
      tc = createTestContext(backend, identity);
      ({ app, deps, close } = await buildManagementApp(tc.ctx, {
        https: { key: identity.serverKeyPem, cert: identity.serverCertPem, requestCert: true, rejectUnauthorized: false },
      }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = `https://localhost:${(app.server.address() as { port: number }).port}`;
      tc.ctx.urls.management = baseUrl;
    });
    after(async () => {
      await close();
      await identity.close();
      await tc.cleanup();
      identityDir.remove();
    });

    const deviceToken = (claims: Record<string, unknown> = {}) =>
      identity.mint({ aud: MDM_RESOURCE, oid: randomUUID(), upn: 'adele@demo.baton.local', deviceid: randomUUID(), ...claims });
    const soap = (url: string, payload: string, contentType = SOAP) =>
      app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

    async function enroll(options: { deviceId?: string; token?: string; hwDevId?: string; enrollmentType?: 'Full' | 'Device' } = {}) {
      const deviceId = options.deviceId ?? randomUUID().toUpperCase();
      const keys = await makeCsr();
      const token = options.token ?? (await deviceToken());
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token, csrBase64: keys.csrBase64, deviceId, hwDevId: options.hwDevId, enrollmentType: options.enrollmentType }));
      assert.equal(res.statusCode, 200, res.body);
      const rstr = parseRequestSecurityTokenResponse(res.body);
      const doc = parseProvisioningDoc(rstr.provisioningDocXml);
      const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
      return { deviceId, token, keyPem: keys.privateKeyPem, certPem, doc, rstr };
    }

    function mdmClient(cert?: { certPem: string; keyPem: string }) {
      const agent = new Agent({ connect: { ca: identity.caPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) } });
      return {
        async post(body: string, contentType = SYNCML) {
          const res = await undiciRequest(`${baseUrl}${MANAGEMENT_PATHS.omadm}`, { method: 'POST', dispatcher: agent, headers: { 'content-type': contentType }, body });
          return { status: res.statusCode, contentType: String(res.headers['content-type']), body: await res.body.text() };
        },
        close: () => agent.close(),
      };
    }

    test('GET Discovery.svc answers 200 with an empty body', async () => {
      const res = await app.inject({ method: 'GET', url: MANAGEMENT_PATHS.discovery });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '');
    });

    test('Discover offering Federated gets Federated, version capped at 5.0, and management URLs', async () => {
      const res = await soap(
        MANAGEMENT_PATHS.discovery,
        buildDiscoverRequest({
          messageId: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
          emailAddress: 'adele@demo.baton.local',
          requestVersion: '6.0',
          deviceType: 'CIMClient_Windows',
          applicationVersion: '10.0.22631.2861',
          osEdition: '4',
          authPolicies: ['OnPremise', 'Federated'],
        }),
      );
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/soap\+xml/);
      const answer = parseDiscoverResponse(res.body);
      assert.equal(answer.authPolicy, 'Federated');
      assert.equal(answer.enrollmentVersion, '5.0');
      assert.equal(answer.relatesTo, 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478');
      assert.equal(answer.enrollmentPolicyServiceUrl, `${baseUrl}/EnrollmentServer/Policy.svc`);
      assert.equal(answer.enrollmentServiceUrl, `${baseUrl}/EnrollmentServer/Enrollment.svc`);
      assert.equal(answer.authenticationServiceUrl, `${identity.url}/common/oauth2/v2.0/authorize`);
    });

    test('Discover offering only OnPremise gets OnPremise and keeps a lower version', async () => {
      const res = await soap(
        MANAGEMENT_PATHS.discovery,
        buildDiscoverRequest({ messageId: 'urn:uuid:1', emailAddress: '', requestVersion: '4.0', deviceType: 'CIMClient_Windows', applicationVersion: '10.0', osEdition: '4', authPolicies: ['OnPremise'] }),
      );
      const answer = parseDiscoverResponse(res.body);
      assert.equal(answer.authPolicy, 'OnPremise');
      assert.equal(answer.enrollmentVersion, '4.0');
      assert.equal(answer.authenticationServiceUrl, undefined);
    });

    test('malformed SOAP gets a Sender/messageformat fault with 400', async () => {
      for (const [payload, contentType] of [
        ['<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>', SOAP],
        ['<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', SOAP],
        ['{"Discover": true}', 'application/json'],
        ['', SOAP],
      ] as const) {
        const res = await soap(MANAGEMENT_PATHS.discovery, payload, contentType);
        assert.equal(res.statusCode, 400, `${payload} → ${res.body}`);
        const fault = parseSoapFault(res.body);
        assert.equal(fault?.code, 'Sender');
        assert.equal(fault?.subcode, 'messageformat');
      }
    });

    test('an unsupported content type and an oversize body are faults too, not 500s', async () => {
      const odd = await soap(MANAGEMENT_PATHS.enrollment, 'hello', 'application/x-unknown');
      assert.equal(odd.statusCode, 415);
      assert.equal(parseSoapFault(odd.body)?.subcode, 'messageformat');
      const huge = await soap(MANAGEMENT_PATHS.policy, `<s:Envelope>${'x'.repeat(300 * 1024)}</s:Envelope>`);
      assert.equal(huge.statusCode, 413);
      assert.equal(parseSoapFault(huge.body)?.subcode, 'messageformat');
    });

    test('XCEP: missing, foreign-signed or wrong-audience tokens get a 401 invalidsecurity fault', async () => {
      const foreign = await identity.mintForeign({ aud: MDM_RESOURCE, deviceid: randomUUID() });
      const graphToken = await identity.mint({ aud: GRAPH_RESOURCE, deviceid: randomUUID() });
      const cases: Array<string | undefined> = [undefined, foreign, graphToken, 'not-a-jwt'];
      for (const token of cases) {
        const res = await soap(
          MANAGEMENT_PATHS.policy,
          buildGetPoliciesRequest({ messageId: 'urn:uuid:2', ...(token ? { binarySecurityToken: { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(token).toString('base64') } } : {}) }),
        );
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(parseSoapFault(res.body)?.subcode, 'invalidsecurity');
      }
    });

    test('XCEP: a token that names no device gets a 401 authentication fault', async () => {
      const userOnly = await identity.mint({ aud: MDM_RESOURCE, oid: randomUUID() });
      const res = await soap(
        MANAGEMENT_PATHS.policy,
        buildGetPoliciesRequest({ messageId: 'urn:uuid:3', binarySecurityToken: { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(userOnly).toString('base64') } }),
      );
      assert.equal(res.statusCode, 401);
      assert.equal(parseSoapFault(res.body)?.subcode, 'authentication');
    });

    test('XCEP: a device token gets the policy (RSA 2048, SHA-256)', async () => {
      const token = await deviceToken();
      const res = await soap(
        MANAGEMENT_PATHS.policy,
        buildGetPoliciesRequest({ messageId: 'urn:uuid:4', binarySecurityToken: { valueType: TOKEN.jwt, encodingType: TOKEN.base64Encoding, value: Buffer.from(token).toString('base64') } }),
      );
      assert.equal(res.statusCode, 200, res.body);
      const policy = parseGetPoliciesResponse(res.body);
      assert.equal(policy.relatesTo, 'urn:uuid:4');
      assert.equal(policy.minimalKeyLength, 2048);
      assert.equal(policy.hashAlgorithmOid, '2.16.840.1.101.3.4.2.1');
    });

    test('WSTEP: a real CSR yields a provisioning doc whose client cert chains to its root and whose ADDR is MDM.svc', async () => {
      const aadDeviceId = randomUUID();
      const token = await deviceToken({ deviceid: aadDeviceId });
      const { deviceId, certPem, doc, rstr } = await enroll({ token });
      assert.equal(rstr.tokenType, TOKEN.deviceEnrollmentToken);
      assert.equal(doc.rootCertificates.length, 1);
      const rootPem = x509.PemConverter.encode(Buffer.from(doc.rootCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
      assert.ok(isIssuedBy(certPem, rootPem), 'client certificate chains to the root in the document');
      const cert = new x509.X509Certificate(certPem);
      assert.equal(cert.subject, `CN=${deviceId}`);
      const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
      assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.clientAuth]);
      const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
      assert.ok(days > 364 && days < 367, `validity ${days} days`);
      assert.equal(doc.clientCertificates[0]!.store, 'User');
      assert.equal(doc.application.addr, `${baseUrl}/ManagementServer/MDM.svc`);
      assert.equal(doc.application.providerId, 'Baton');
      assert.equal(doc.poll.intervalForFirstSetOfRetriesMinutes, 15);
      assert.equal(doc.poll.numberOfFirstRetries, 3);
      assert.equal(doc.poll.intervalForRemainingScheduledRetriesMinutes, 480);

      const enrollment = await deps.store.getEnrollmentByThumbprint(doc.clientCertificates[0]!.thumbprint);
      assert.ok(enrollment);
      assert.equal(enrollment.azureAdDeviceId, aadDeviceId, 'the Entra device id comes from the token');
      assert.equal(enrollment.mdmDeviceId, deviceId);
      assert.equal(enrollment.tenantId, identity.tenantId);
      assert.equal(enrollment.managementState, 'enrolling');
      assert.equal((await deps.store.listQueue(enrollment.id)).length, 5);
    });

    test('WSTEP: device enrollment lands in My/System; the bare JWT is accepted too', async () => {
      const deviceId = randomUUID().toUpperCase();
      const keys = await makeCsr();
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await deviceToken(), rawToken: true, csrBase64: keys.csrBase64, deviceId, enrollmentType: 'Device' }));
      assert.equal(res.statusCode, 200, res.body);
      const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(res.body).provisioningDocXml);
      assert.equal(doc.clientCertificates[0]!.store, 'System');
    });

    test('WSTEP: re-enrolling the same hardware replaces the enrollment and its certificate', async () => {
      const aad = randomUUID();
      const first = await enroll({ token: await deviceToken({ deviceid: aad }), hwDevId: 'HW-REENROLL' });
      const second = await enroll({ token: await deviceToken({ deviceid: aad }), hwDevId: 'HW-REENROLL', deviceId: first.deviceId });
      assert.equal(await deps.store.getEnrollmentByThumbprint(first.doc.clientCertificates[0]!.thumbprint), undefined);
      assert.ok(await deps.store.getEnrollmentByThumbprint(second.doc.clientCertificates[0]!.thumbprint));
      // The replaced certificate no longer opens a session.
      const client = mdmClient({ certPem: first.certPem, keyPem: first.keyPem });
      try {
        const res = await client.post(package1(first.deviceId));
        const reply = parseSyncML(res.body);
        assert.equal((reply.commands[0] as SyncMLStatus).data, '401');
      } finally {
        await client.close();
      }
    });

    test('WSTEP: a device token without a user enrolls as device auth once, then DeviceNotSupported until the record is deleted', async () => {
      const aad = randomUUID();
      const selfDeploying = () => deviceToken({ deviceid: aad, oid: randomUUID(), upn: undefined, idtyp: 'device' });
      const first = await enroll({ token: await selfDeploying(), hwDevId: 'HW-KIOSK' });
      const enrollment = await deps.store.getEnrollmentByThumbprint(first.doc.clientCertificates[0]!.thumbprint);
      assert.equal(enrollment?.userId, null);
      assert.equal(enrollment?.upn, null);
      const keys = await makeCsr();
      const again = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await selfDeploying(), csrBase64: keys.csrBase64, deviceId: first.deviceId, hwDevId: 'HW-KIOSK' }));
      assert.equal(again.statusCode, 400, again.body);
      assert.equal(parseSoapFault(again.body)?.subcode, 'devicenotsupported');
      assert.ok(await deps.store.getEnrollmentByThumbprint(first.doc.clientCertificates[0]!.thumbprint), 'the refused attempt replaced nothing');
      await deps.store.deleteEnrollment(enrollment!.id);
      const third = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await selfDeploying(), csrBase64: keys.csrBase64, deviceId: first.deviceId, hwDevId: 'HW-KIOSK' }));
      assert.equal(third.statusCode, 200, third.body);
    });

    test('WSTEP: a bad or weak CSR gets a certificaterequest fault with 400', async () => {
      const token = await deviceToken();
      const weak = await makeCsr('x', 1024);
      const cases = ['bm90IGEgY3Ny', weak.csrBase64, '%%%'];
      for (const csrBase64 of cases) {
        const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token, csrBase64, deviceId: 'DEV-1' }));
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(parseSoapFault(res.body)?.subcode, 'certificaterequest');
      }
    });

    test('WSTEP: a Windows-style SHA-1 CSR is accepted', async () => {
      const keys = await makeCsr('odd CN, with "quotes"', 2048, 'SHA-1');
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await deviceToken(), csrBase64: keys.csrBase64, deviceId: randomUUID() }));
      assert.equal(res.statusCode, 200, res.body);
    });

    test('WSTEP: without a token the enrollment is refused with 401', async () => {
      const keys = await makeCsr();
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ csrBase64: keys.csrBase64, deviceId: 'DEV-2' }));
      assert.equal(res.statusCode, 401);
      assert.equal(parseSoapFault(res.body)?.subcode, 'invalidsecurity');
    });

    test('OMA-DM over HTTPS with the MDM certificate: package 1 → Gets, package 2 → done and managed', async () => {
      const device = await enroll();
      const client = mdmClient({ certPem: device.certPem, keyPem: device.keyPem });
      try {
        const r1 = await client.post(package1(device.deviceId, '1', '1'));
        assert.equal(r1.status, 200);
        assert.match(r1.contentType, /application\/vnd\.syncml\.dm\+xml/);
        const reply1 = parseSyncML(r1.body);
        assert.equal(reply1.header.source, `${baseUrl}/ManagementServer/MDM.svc`);
        assert.equal(reply1.header.target, device.deviceId);
        const st = reply1.commands.filter((c): c is SyncMLStatus => c.kind === 'Status');
        assert.deepEqual(st[0], { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRef: 'https://management.test/ManagementServer/MDM.svc', sourceRef: device.deviceId, data: '200' });
        assert.equal(st.length, 4);
        const gets = reply1.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Get');
        assert.equal(gets.length, 5);
        const cmdIds = reply1.commands.map((c) => c.cmdId);
        assert.equal(new Set(cmdIds).size, cmdIds.length, 'CmdIDs are unique in the message');
        assert.ok(gets.every((g) => Number(g.cmdId) > st.length));
        assert.equal(reply1.final, true);

        const values = {
          './DevDetail/SwV': '10.0.22631.2861',
          './DevDetail/Ext/Microsoft/DeviceName': 'DEMO-5CG1234XYZ',
          './DevDetail/OEM': 'Contoso Hardware',
          './DevInfo/Mod': 'Surface Laptop 5',
          './DevDetail/Ext/Microsoft/SMBIOSSerialNumber': '5CG1234XYZ',
        };
        const r2 = await client.post(answerGets(device.deviceId, '1', '2', '1', gets.map((g) => ({ cmdId: g.cmdId, locUri: g.items[0]!.target! })), values));
        const reply2 = parseSyncML(r2.body);
        assert.deepEqual(
          reply2.commands.map((c) => c.kind),
          ['Status'],
        );
        assert.equal(reply2.final, true);

        const enrollment = (await deps.store.getEnrollmentByThumbprint(device.doc.clientCertificates[0]!.thumbprint))!;
        assert.equal(enrollment.managementState, 'managed');
        assert.equal(enrollment.inventory['DevDetail/Ext/Microsoft/SMBIOSSerialNumber'], '5CG1234XYZ');

        const admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.managedDevicesReadWrite], idtyp: 'app' });
        const one = await app.inject({ method: 'GET', url: `/graph/v1.0/deviceManagement/managedDevices/${enrollment.id}`, headers: { authorization: `Bearer ${admin}` } });
        assert.equal(one.statusCode, 200, one.body);
        const md = one.json();
        assert.equal(md.managementState, 'managed');
        assert.equal(md.deviceName, 'DEMO-5CG1234XYZ');
        assert.equal(md.serialNumber, '5CG1234XYZ');
        assert.equal(md.model, 'Surface Laptop 5');
        assert.equal(md.manufacturer, 'Contoso Hardware');
        assert.equal(md.osVersion, '10.0.22631.2861');
        assert.equal(md.operatingSystem, 'Windows');
        assert.equal(md.complianceState, 'unknown');
        assert.equal(md.azureADDeviceId, enrollment.azureAdDeviceId);
        assert.equal(md.userPrincipalName, 'adele@demo.baton.local');
        assert.equal(md.deviceEnrollmentType, 'windowsAzureADJoin');
        assert.equal(md.joinType, 'azureADJoined');
        assert.equal(md.managementAgent, 'mdm');
        assert.ok(md.lastSyncDateTime > md.enrolledDateTime);
      } finally {
        await client.close();
      }
    });

    test('OMA-DM without a client certificate gets SyncHdr 407 and no commands', async () => {
      const device = await enroll();
      const client = mdmClient();
      try {
        const res = await client.post(package1(device.deviceId));
        assert.equal(res.status, 200);
        const reply = parseSyncML(res.body);
        assert.equal(reply.commands.length, 1);
        assert.equal((reply.commands[0] as SyncMLStatus).data, '407');
      } finally {
        await client.close();
      }
      // inject() has no TLS socket at all: same answer.
      const injected = await app.inject({ method: 'POST', url: MANAGEMENT_PATHS.omadm, headers: { 'content-type': SYNCML }, payload: package1(device.deviceId) });
      assert.equal((parseSyncML(injected.body).commands[0] as SyncMLStatus).data, '407');
    });

    test('OMA-DM with a certificate of another device or another CA gets SyncHdr 401', async () => {
      const a = await enroll();
      const b = await enroll();
      const strangerCa = await generateCertificateAuthority({ commonName: 'Stranger', validityDays: 30 });
      const stranger = await issueCertificate(strangerCa, { commonName: a.deviceId, validityDays: 30, usage: 'client' });
      for (const [cert, source] of [
        [{ certPem: a.certPem, keyPem: a.keyPem }, b.deviceId],
        [stranger, a.deviceId],
      ] as const) {
        const client = mdmClient(cert);
        try {
          const res = await client.post(package1(source));
          const reply = parseSyncML(res.body);
          assert.equal(reply.commands.length, 1);
          assert.equal((reply.commands[0] as SyncMLStatus).data, '401');
        } finally {
          await client.close();
        }
      }
      const bEnrollment = (await deps.store.getEnrollmentByThumbprint(b.doc.clientCertificates[0]!.thumbprint))!;
      assert.equal((await deps.store.listQueue(bEnrollment.id)).every((q) => q.status === 'queued'), true, 'nothing was handed out');
    });

    test('malformed SyncML gets 400; WBXML gets 415', async () => {
      for (const payload of ['<SyncML><SyncHdr>', '<NotSyncML/>', '<!DOCTYPE SyncML [<!ENTITY x "y">]><SyncML/>', '']) {
        const res = await app.inject({ method: 'POST', url: MANAGEMENT_PATHS.omadm, headers: { 'content-type': SYNCML }, payload });
        assert.equal(res.statusCode, 400, payload);
      }
      const wbxml = await app.inject({ method: 'POST', url: MANAGEMENT_PATHS.omadm, headers: { 'content-type': 'application/vnd.syncml.dm+wbxml' }, payload: 'x' });
      assert.equal(wbxml.statusCode, 415);
    });

    test('Graph managedDevices: roles required, tenants isolated, paging with nextLink', async () => {
      const tenantB = randomUUID();
      const other = await enroll({ token: await deviceToken({ tid: tenantB }) });
      const otherEnrollment = (await deps.store.getEnrollmentByThumbprint(other.doc.clientCertificates[0]!.thumbprint))!;
      const admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.managedDevicesReadWrite] });
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementManagedDevices.Read.All'] });
      const noRole = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.devicesReadWrite] });
      const mdmAudience = await deviceToken({ roles: [ROLES.managedDevicesReadWrite] });
      const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

      assert.equal((await get('/graph/v1.0/deviceManagement/managedDevices')).statusCode, 401);
      assert.equal((await get('/graph/v1.0/deviceManagement/managedDevices', mdmAudience)).statusCode, 401);
      const forbidden = await get('/graph/v1.0/deviceManagement/managedDevices', noRole);
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().error.code, 'Authorization_RequestDenied');

      const all = await get('/graph/beta/deviceManagement/managedDevices?$count=true', reader);
      assert.equal(all.statusCode, 200);
      const body = all.json();
      assert.ok(body.value.length >= 2);
      assert.equal(body['@odata.count'], body.value.length);
      assert.ok(body.value.every((d: { id: string }) => d.id !== otherEnrollment.id), 'no device of another tenant');

      const page = await get('/graph/v1.0/deviceManagement/managedDevices?$top=1&$select=id,deviceName', admin);
      const p = page.json();
      assert.equal(p.value.length, 1);
      assert.deepEqual(Object.keys(p.value[0]).sort(), ['deviceName', 'id']);
      const next = new URL(p['@odata.nextLink']);
      assert.equal(next.protocol, 'https:');
      assert.equal(next.searchParams.get('$skip'), '1');

      const cross = await get(`/graph/v1.0/deviceManagement/managedDevices/${otherEnrollment.id}`, admin);
      assert.equal(cross.statusCode, 404);
      assert.equal(cross.json().error.code, 'ResourceNotFound');
      assert.ok(cross.json().error.innerError['request-id']);
      const ownB = await identity.mint({ aud: GRAPH_RESOURCE, tid: tenantB, roles: [ROLES.managedDevicesReadWrite] });
      assert.equal((await get(`/graph/v1.0/deviceManagement/managedDevices/${otherEnrollment.id}`, ownB)).statusCode, 200);
      assert.equal((await get('/graph/v1.0/deviceManagement/managedDevices/not-a-guid', admin)).statusCode, 404);
      assert.equal((await get("/graph/v1.0/deviceManagement/managedDevices?$filter=deviceEnrollmentType eq 'x'", admin)).statusCode, 400, 'a property $filter cannot use');
      const none = await get("/graph/v1.0/deviceManagement/managedDevices?$filter=deviceName eq 'no such device'", admin);
      assert.equal(none.statusCode, 200);
      assert.deepEqual(none.json().value, []);
      assert.equal((await get('/graph/v1.0/deviceManagement/managedDevices?$top=-1', admin)).statusCode, 400);
      const withUser = body.value.find((d: { userId: string | null }) => d.userId);
      const users = await get(`/graph/v1.0/deviceManagement/managedDevices/${withUser.id}/users`, reader);
      assert.equal(users.statusCode, 200, users.body);
      assert.deepEqual(users.json().value.map((u: { id: string; userPrincipalName: string }) => [u.id, u.userPrincipalName]), [[withUser.userId, withUser.userPrincipalName]]);
      assert.equal((await get(`/graph/v1.0/deviceManagement/managedDevices/${otherEnrollment.id}/users`, reader)).statusCode, 404, "another tenant's device");
      const byName = await get('/graph/v1.0/deviceManagement/managedDevices?$orderby=deviceName desc&$top=1&$select=deviceName', admin);
      assert.equal(byName.statusCode, 200, byName.body);
      const last = body.value.map((d: { deviceName: string }) => d.deviceName.toLowerCase()).sort().at(-1);
      assert.equal(byName.json().value[0].deviceName.toLowerCase(), last);
      assert.equal(new URL(byName.json()['@odata.nextLink']).searchParams.get('$orderby'), 'deviceName desc', 'the next page keeps the order');
      for (const bad of ['$orderby=deviceEnrollmentType', '$orderby=deviceName sideways', '$search=x']) {
        assert.equal((await get(`/graph/v1.0/deviceManagement/managedDevices?${bad}`, admin)).statusCode, 400, bad);
      }
    });
  });
}
