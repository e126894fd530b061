/**
 * MS-DVRJ device join: the signed-in user's CSR becomes the device's certificate from
 * the tenant's device CA, and the device object (the Autopilot placeholder when the
 * device came through discovery) becomes a joined device. The answer names the MDM
 * application: the identity → management handoff.
 */
import { randomUUID } from 'node:crypto';
import { JOIN_CSR_COMMON_NAME, type DeviceJoinRequest, type DeviceJoinResponse } from '@baton/contracts';
import { certificateDerBase64, CsrError, thumbprint, verifyCsr, type VerifiedCsr } from '@baton/kit';
import { drsErrors } from '../errors.js';
import { StoreConflictError, type DeviceRecord, type TenantRecord, type TrustType, type UserRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { verifyAttestedJoin } from './attested-join.js';
import { profileTypeOfMode } from './autopilot-mode.js';
import { issueDeviceCertificate } from './device-certificates.js';
import { revokeDeviceCredentials } from './device-revocation.js';
import { managementHandoff } from './tenants.js';

const JOIN_TYPES: Record<number, { trustType: TrustType; joined: boolean }> = {
  0: { trustType: 'AzureAd', joined: true },
  4: { trustType: 'Workplace', joined: false },
};

/** Local Administrators: Windows adds the SIDs listed here to it. */
const ADMINISTRATORS_SID = 'S-1-5-32-544';

async function verifiedJoinCsr(request: DeviceJoinRequest): Promise<VerifiedCsr> {
  if (String(request.CertificateRequest.Type).toLowerCase() !== 'pkcs10') {
    throw drsErrors.invalidCsr(`CertificateRequest.Type must be 'pkcs10'.`);
  }
  let csr: VerifiedCsr;
  try {
    csr = await verifyCsr(request.CertificateRequest.Data, 2048);
  } catch (error) {
    if (error instanceof CsrError) throw drsErrors.invalidCsr(error.message);
    throw drsErrors.invalidCsr('The certificate request could not be read.');
  }
  if (csr.keyBits === undefined) throw drsErrors.invalidCsr('The certificate request must carry an RSA key of at least 2048 bits.');
  const cn = csr.commonNames;
  if (cn.length !== 1 || cn[0]!.toUpperCase() !== JOIN_CSR_COMMON_NAME) {
    throw drsErrors.invalidCsr(`The certificate request subject must be CN=${JOIN_CSR_COMMON_NAME}.`);
  }
  return csr;
}


/** Who authorised the join: a signed-in user, or (self-deploying) the device's TPM. */
export type JoinCaller = { user: UserRecord } | { tpm: true };

export async function joinDevice(
  deps: IdentityDeps,
  tenant: TenantRecord,
  caller: JoinCaller,
  request: DeviceJoinRequest,
): Promise<DeviceJoinResponse> {
  const joinType = JOIN_TYPES[request.JoinType];
  if (!joinType) throw drsErrors.invalidJoinType(request.JoinType);
  const csr = await verifiedJoinCsr(request);
  const user = 'user' in caller ? caller.user : undefined;
  // Without a user the TPM evidence names the registration; the body's ZtdId cannot choose another.
  const attested = user ? undefined : verifyAttestedJoin(deps, tenant, request, csr.spki);
  if (attested && !joinType.joined) throw drsErrors.invalidJoinType(request.JoinType);
  const handoff = await managementHandoff(deps.store, tenant.id);
  if (!handoff) throw drsErrors.mdmNotConfigured();

  const ztdId = attested?.ztdId ?? (request.ZtdId?.trim().toLowerCase() || undefined);
  const known = ztdId ? await deps.store.findDeviceByZtdId(tenant.id, ztdId) : undefined;
  const deviceId = known?.deviceId ?? randomUUID();
  const certPem = await issueDeviceCertificate(deps.secrets, tenant, csr.publicKey, {
    deviceId,
    tenantId: tenant.id,
    ...(user ? { userObjectId: user.id } : {}),
    joined: joinType.joined,
  });
  const certThumbprint = thumbprint(certPem);
  const at = deps.now().toISOString();
  const joinedState = {
    displayName: request.DeviceDisplayName,
    trustType: joinType.trustType,
    operatingSystem: request.DeviceType,
    operatingSystemVersion: request.OSVersion,
    certThumbprint,
    certPem,
    transportKey: request.TransportKey,
    // A shared (self-deploying) device has no owner: whoever signs in later is just a user of it.
    registeredOwnerUserId: user?.id ?? null,
    // What tells a self-deploying device from a pre-provisioned one in the tokens each gets alone.
    profileType: attested ? (attested.mode ? profileTypeOfMode(attested.mode) : null) : 'RegisteredDevice',
    registeredAt: at,
    modifiedAt: at,
  };

  let device: DeviceRecord;
  try {
    device = await deps.store.transaction(async (tx) => {
      const current = ztdId ? await tx.findDeviceByZtdId(tenant.id, ztdId) : undefined;
      if (current) {
        // A concurrent join chose another device id than the one in the new certificate.
        if (current.deviceId !== deviceId) throw drsErrors.deviceConflict();
        // The object keeps its id; the certificate and tokens of the previous join die.
        if (current.certThumbprint && current.certThumbprint !== certThumbprint) {
          await revokeDeviceCredentials(tx, current, 'superseded', at);
        }
        await tx.updateDevice(tenant.id, current.id, joinedState);
        const joined = { ...current, ...joinedState };
        await deps.feed.deviceWritten(tx, tenant.id, current, joined);
        return joined;
      }
      if (known) throw drsErrors.deviceConflict();
      const created: DeviceRecord = {
        ...joinedState,
        id: randomUUID(),
        deviceId,
        tenantId: tenant.id,
        physicalIds: ztdId ? [`[ZTDID]:${ztdId}`] : [],
        ztdId: ztdId ?? null,
        accountEnabled: true,
        isCompliant: null,
        isManaged: null,
        approximateLastSignIn: null,
        createdAt: at,
      };
      await tx.insertDevice(created);
      await deps.feed.deviceWritten(tx, tenant.id, undefined, created);
      return created;
    });
    deps.feed.committed();
  } catch (error) {
    if (error instanceof StoreConflictError) throw drsErrors.deviceConflict();
    throw error;
  }

  return {
    Certificate: { Thumbprint: certThumbprint, RawBody: certificateDerBase64(certPem) },
    ...(user ? { User: { Upn: user.upn } } : {}),
    MembershipChanges: [{ LocalSID: ADMINISTRATORS_SID, AddSIDs: [] }],
    DeviceId: device.deviceId,
    ObjectId: device.id,
    MdmEnrollment: handoff,
  };
}
