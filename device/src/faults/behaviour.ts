import type { DeviceSecurity } from '../csp-tree.js';
import type { AppInstallBehaviour } from '../msi-installs.js';

/**
 * How a device's own hardware or software can misbehave during provisioning. The agent
 * consults these at the points where a real Windows device would go wrong: the TPM that
 * makes its keys, the key that signs its device-bound token request, its CSPs.
 */
export interface DeviceBehaviour {
  /** The key pair the TPM produces for the join CSR. */
  joinKeys?: () => Promise<CryptoKeyPair>;
  /** The key pair the TPM produces for the MDM enrollment CSR. */
  mdmKeys?: () => Promise<CryptoKeyPair>;
  /** The key that signs the device-bound token request, given the joined key pair. */
  deviceTokenKey?: (joined: CryptoKeyPair) => Promise<CryptoKey>;
  /** What the TPM returns for the attestation challenge, given the secret it recovered. */
  tpmAnswer?: (recovered: Buffer) => Buffer;
  /** CSP nodes that fail, with the SyncML status they answer. */
  failingCspNodes?: Record<string, string>;
  /**
   * What happens between enrollment and the first OMA-DM session, given the MDM certificate:
   * a pre-provisioned device is resealed and waits on a shelf until someone unboxes it.
   */
  beforeFirstSession?: (mdmCertificatePem: string) => Promise<void>;
  /** The security posture its DeviceStatus and Defender CSPs report (BitLocker off, say). */
  security?: Partial<DeviceSecurity>;
  /** How app installers behave, by MSI product code: failing with an error code, or hanging. */
  appInstalls?: Record<string, AppInstallBehaviour>;
}
