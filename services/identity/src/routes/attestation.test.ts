import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync, randomUUID, webcrypto, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, decodeJwt } from 'jose';
import { AUTOPILOT_MODE_CLAIM, DEVICE_AGENT_CLIENT_ID, DEVICE_AUTH_REQUEST_GRANT, DEVICE_JWT_BEARER_GRANT, MDM_RESOURCE, type EndorsementKeyLookupResponse } from '@baton/contracts';
import { AIK_CERTIFICATE_EKU, generateCertificateAuthority, signPublicKey, x509 } from '@baton/kit';
import { activateCredential, certifyKey, tpmName } from '@baton/protocols';
import { graphDevice } from '../domain/devices.js';
import { backends, deviceCsr, form, joinBody, startIdentity, type DeviceKeys, type RunningIdentity } from '../testing/harness.js';

const crypto = webcrypto as unknown as Crypto;

/** A TPM as identity sees it: an EK and an AIK, and what only their holder can do. */
function tpm() {
  const ek = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const aik = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
  const aikName = tpmName(der(aik.publicKey));
  return {
    ekPublic: der(ek.publicKey).toString('base64'),
    aikPublic: der(aik.publicKey).toString('base64'),
    activate: (blob: string, secret: string) => activateCredential(ek.privateKey, aikName, Buffer.from(blob, 'base64'), Buffer.from(secret, 'base64')),
    certify: (spki: Buffer) => certifyKey(aik.privateKey, { qualifiedSigner: aikName, extraData: Buffer.alloc(0), certifiedName: tpmName(spki) }).toString('base64'),
  };
}

async function spkiOf(keys: DeviceKeys): Promise<Buffer> {
  return Buffer.from(await crypto.subtle.exportKey('spki', keys.keys.publicKey));
}

for (const backend of backends()) {
  describe(`TPM attestation and the userless join (${backend.name})`, () => {
    let id: RunningIdentity;
    const registrations = new Map<string, EndorsementKeyLookupResponse>();
    before(async () => {
      id = await startIdentity(backend);
      id.identity.deps.endorsementKeys = { lookup: async (tenantId, ek) => (registrations.get(ek)?.tenantId === tenantId ? registrations.get(ek) : undefined) };
    });
    after(async () => {
      await id.close();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      id.app.inject({ method: 'POST', url: `/enterpriseregistration/${id.tenantId}/${path}`, headers, payload: body as object });

    function registered(usage: 'shared' | 'singleUser' | null, tenantId = id.tenantId, preprovisioningAllowed = false) {
      const device = tpm();
      const ztdId = randomUUID();
      registrations.set(device.ekPublic, { ztdId, tenantId, deviceUsageType: usage, preprovisioningAllowed, profileId: usage ? randomUUID() : null });
      return { device, ztdId };
    }

    /** A self-deploying registration's TPM, or with `preProvisioned` a single-user one that allows pre-provisioning. */
    async function attested(mode: 'selfDeploying' | 'preProvisioned' = 'selfDeploying') {
      const { device, ztdId } = mode === 'selfDeploying' ? registered('shared') : registered('singleUser', id.tenantId, true);
      const challenge = await post('attestation/challenge', { EkPublicKey: device.ekPublic, AikPublicKey: device.aikPublic });
      assert.equal(challenge.statusCode, 200, challenge.body);
      const c = challenge.json();
      const secret = device.activate(c.CredentialBlob, c.EncryptedSecret);
      const activated = await post('attestation/activate', { Challenge: c.Challenge, Secret: secret.toString('base64') });
      assert.equal(activated.statusCode, 200, activated.body);
      return { device, ztdId, aikCertificate: activated.json().AikCertificate as string, activatedZtdId: activated.json().ZtdId as string };
    }

    const refusedWith = (res: { statusCode: number; json(): any }, reason?: string) => {
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().hresult, '0x801C03EA');
      assert.equal(res.json().subcode, 'error_tpm_attestation_failed');
      if (reason) assert.match(res.json().message, new RegExp(reason, 'i'));
    };

    test('the TPM of a self-deploying registration earns an AIK certificate from the tenant CA naming its registration', async () => {
      const { ztdId, aikCertificate, activatedZtdId, device } = await attested();
      assert.equal(activatedZtdId, ztdId);
      const cert = new X509Certificate(Buffer.from(aikCertificate, 'base64'));
      assert.equal(cert.subject, `CN=${ztdId}`);
      assert.deepEqual(cert.keyUsage, [AIK_CERTIFICATE_EKU]);
      assert.deepEqual(cert.publicKey.export({ format: 'der', type: 'spki' }), createPublicKey({ key: Buffer.from(device.aikPublic, 'base64'), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' }));
    });

    test('an unknown EK, a user-driven registration and a wrong answer are each refused with 0x801C03EA', async () => {
      const stranger = tpm();
      refusedWith(await post('attestation/challenge', { EkPublicKey: stranger.ekPublic, AikPublicKey: stranger.aikPublic }), 'belongs to no Autopilot device');
      const elsewhere = registered('shared', randomUUID());
      refusedWith(await post('attestation/challenge', { EkPublicKey: elsewhere.device.ekPublic, AikPublicKey: elsewhere.device.aikPublic }), 'belongs to no Autopilot device');
      for (const usage of ['singleUser', null] as const) {
        const { device } = registered(usage);
        refusedWith(await post('attestation/challenge', { EkPublicKey: device.ekPublic, AikPublicKey: device.aikPublic }), 'self-deploying');
      }
      const { device } = registered('shared');
      const c = (await post('attestation/challenge', { EkPublicKey: device.ekPublic, AikPublicKey: device.aikPublic })).json();
      refusedWith(await post('attestation/activate', { Challenge: c.Challenge, Secret: Buffer.alloc(32, 1).toString('base64') }), 'did not recover');
      // The credential was bound to this AIK: another key's TPM cannot even recover it.
      const impostor = tpm();
      assert.throws(() => impostor.activate(c.CredentialBlob, c.EncryptedSecret));
    });

    /** Joins with the AIK certifying the CSR key; answers the join and the device's own MDM token's claims. */
    async function joinAlone(attestation: Awaited<ReturnType<typeof attested>>, aikCertificate = attestation.aikCertificate) {
      const keys = await deviceCsr();
      const res = await post('EnrollmentServer/device/?api-version=2.0', joinBody(keys.csrBase64, { ZtdId: attestation.ztdId, AikCertificate: aikCertificate, AttestationData: attestation.device.certify(await spkiOf(keys)), Attributes: { SharedDevice: 'true' } }));
      assert.equal(res.statusCode, 200, res.body);
      const joined = res.json();
      const iat = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({ client_id: DEVICE_AGENT_CLIENT_ID, grant_type: DEVICE_AUTH_REQUEST_GRANT, scope: `${MDM_RESOURCE}/.default` })
        .setProtectedHeader({ alg: 'RS256', x5c: [joined.Certificate.RawBody] })
        .setIssuedAt(iat)
        .setExpirationTime(iat + 300)
        .sign(keys.keys.privateKey);
      const token = await id.app.inject({ method: 'POST', url: `/${id.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: DEVICE_JWT_BEARER_GRANT, request }) });
      assert.equal(token.statusCode, 200, token.body);
      return { joined, claims: decodeJwt(token.json().access_token) };
    }

    test('a userless join with the AIK certifying the CSR key creates an ownerless device whose token carries no user', async () => {
      const attestation = await attested();
      const { joined, claims } = await joinAlone(attestation);
      assert.equal(joined.User, undefined);
      const stored = await id.identity.store.findDeviceByZtdId(id.tenantId, attestation.ztdId);
      assert.equal(stored?.registeredOwnerUserId, null);
      assert.equal(claims.idtyp, 'device');
      assert.equal(claims.deviceid, joined.DeviceId);
      assert.equal(claims.oid, joined.ObjectId);
      assert.equal(claims.upn, undefined);
      assert.equal(claims.aud, MDM_RESOURCE);
    });

    test('the mode the TPM was attested for reaches the device object (profileType) and the device token management reads', async () => {
      for (const [mode, profileType] of [['selfDeploying', 'Shared'], ['preProvisioned', 'RegisteredDevice']] as const) {
        const attestation = await attested(mode);
        const { claims } = await joinAlone(attestation);
        assert.equal(claims[AUTOPILOT_MODE_CLAIM], mode);
        const stored = await id.identity.store.findDeviceByZtdId(id.tenantId, attestation.ztdId);
        assert.equal(graphDevice(stored!).profileType, profileType, mode);
      }
      // An AIK certificate without the mode (issued before identity carried it): the device
      // joins, and its token says nothing of a mode rather than guessing.
      const attestation = await attested('preProvisioned');
      const tenant = (await id.identity.store.findTenantById(id.tenantId))!;
      const aikKey = new x509.PublicKey(Buffer.from(attestation.device.aikPublic, 'base64'));
      const bare = await signPublicKey({ certPem: tenant.deviceCaCertPem, keyPem: id.identity.deps.secrets.openText(tenant.deviceCaKey) }, aikKey, { commonName: attestation.ztdId, validityDays: 1, usage: 'aik' });
      const { claims } = await joinAlone(attestation, Buffer.from(new x509.X509Certificate(bare).rawData).toString('base64'));
      assert.equal(claims.idtyp, 'device');
      assert.equal(AUTOPILOT_MODE_CLAIM in claims, false);
      const stored = await id.identity.store.findDeviceByZtdId(id.tenantId, attestation.ztdId);
      assert.deepEqual([stored?.profileType, graphDevice(stored!).profileType], [null, 'RegisteredDevice']);
    });

    test('userless joins without the right TPM evidence are refused', async () => {
      const { device, ztdId, aikCertificate } = await attested();
      const keys = await deviceCsr();
      const spki = await spkiOf(keys);
      const body = (extra: Record<string, unknown>) => joinBody(keys.csrBase64, { ZtdId: ztdId, AikCertificate: aikCertificate, AttestationData: device.certify(spki), Attributes: { SharedDevice: 'true' }, ...extra });
      const join = (b: unknown) => post('EnrollmentServer/device/?api-version=2.0', b);

      refusedWith(await join(body({ Attributes: {} })), 'shared');
      refusedWith(await join(body({ AttestationData: undefined })), 'AttestationData');
      refusedWith(await join(body({ AttestationData: device.certify(await spkiOf(await deviceCsr())) })), 'another key');
      refusedWith(await join(body({ AttestationData: tpm().certify(spki) })), 'not signed by the certified');
      refusedWith(await join(body({ ZtdId: randomUUID() })), 'ZtdId differs');
      // An AIK certificate from another CA, for the same key and registration.
      const foreign = await generateCertificateAuthority({ commonName: 'Not the tenant', validityDays: 1 });
      const aikKey = new x509.PublicKey(Buffer.from(device.aikPublic, 'base64'));
      const forged = await signPublicKey(foreign, aikKey, { commonName: ztdId, validityDays: 1, usage: 'aik' });
      refusedWith(await join(body({ AikCertificate: Buffer.from(new x509.X509Certificate(forged).rawData).toString('base64') })), "tenant's device authority");
      // The tenant CA's device certificate is not an AIK certificate.
      const tenant = (await id.identity.store.findTenantById(id.tenantId))!;
      const clientCert = await signPublicKey({ certPem: tenant.deviceCaCertPem, keyPem: id.identity.deps.secrets.openText(tenant.deviceCaKey) }, aikKey, { commonName: ztdId, validityDays: 1, usage: 'client' });
      refusedWith(await join(body({ AikCertificate: Buffer.from(new x509.X509Certificate(clientCert).rawData).toString('base64') })), 'not an attestation key certificate');
      // No bearer token and no TPM evidence: the user-token path, which wants a token.
      const bare = await join(joinBody(keys.csrBase64));
      assert.equal(bare.statusCode, 401);
    });

    test('hostile attestation bodies are 4xx in the DRS shape', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('attestation/challenge', 'attestation/activate'),
          fc.oneof(
            fc.record({ EkPublicKey: fc.base64String({ maxLength: 200 }), AikPublicKey: fc.base64String({ maxLength: 200 }) }),
            fc.record({ Challenge: fc.string({ minLength: 1, maxLength: 300 }), Secret: fc.base64String({ minLength: 4, maxLength: 100 }) }),
            fc.anything(),
          ),
          async (path, body) => {
            const res = await post(path, body, { 'content-type': 'application/json' });
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
            assert.equal(typeof res.json().subcode, 'string');
          },
        ),
        { numRuns: 80 },
      );
    });
  });
}
