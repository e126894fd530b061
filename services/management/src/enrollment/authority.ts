/**
 * Management's MDM certificate authority: one per installation, created on first use,
 * its key sealed at rest. It signs the MDM client certificates devices present on
 * OMA-DM sessions, and is the root the provisioning document installs.
 */
import { createSecretBox, generateCertificateAuthority, type KeyAndCert } from '@baton/kit';
import type { ManagementStore } from '../store/store.js';

export const MDM_CA_COMMON_NAME = 'Baton MDM Device CA';
const CA_VALIDITY_DAYS = 3650;

export async function loadOrCreateAuthority(store: ManagementStore, secretKey: Buffer): Promise<KeyAndCert> {
  const box = createSecretBox(secretKey, 'management');
  let stored = await store.getCertificateAuthority();
  if (!stored) {
    const fresh = await generateCertificateAuthority({
      commonName: MDM_CA_COMMON_NAME,
      organization: 'Baton',
      validityDays: CA_VALIDITY_DAYS,
      // Windows' certificate stores and older TLS stacks expect RSA for the MDM chain.
      algorithm: 'RSA',
    });
    stored = await store.putCertificateAuthorityIfAbsent({ certPem: fresh.certPem, keySealed: box.seal(fresh.keyPem) });
  }
  return { certPem: stored.certPem, keyPem: box.openText(stored.keySealed) };
}
