/**
 * The device facts compliance is evaluated on, read over OMA-DM from the DeviceStatus,
 * Defender and DevDetail CSPs (Microsoft's CSP reference gives the codes):
 * - DeviceStatus/Compliance/EncryptionCompliance: 1 encrypted (BitLocker), 0 not.
 * - DeviceStatus/SecureBootState: 0 not supported, 1 enabled, 2 disabled.
 * - DeviceStatus/TPM/SpecificationVersion: "2.0", "1.2", or "Not available".
 * - DeviceStatus/{Antivirus,Antispyware,Firewall}/Status: 0 on and monitoring, 1 disabled,
 *   2 not monitoring everything, 3 temporarily not monitoring, 4 not applicable.
 * - DeviceStatus/Antivirus/SignatureStatus: 0 up to date, 1 out of date.
 * - DeviceStatus/DeviceGuard/HypervisorEnforcedCodeIntegrityStatus and
 *   VirtualizationBasedSecurityStatus: 0 running, anything else not.
 * - Defender/Health/DefenderEnabled, RtpEnabled: "true"/"false".
 * - DevDetail/SwV: the OS version, e.g. 10.0.22631.2861.
 */

/** Keys as the session engine files them: the LocURI without `./Vendor/MSFT/`. */
export const FACT = {
  osVersion: 'DevDetail/SwV',
  encryption: 'DeviceStatus/Compliance/EncryptionCompliance',
  secureBoot: 'DeviceStatus/SecureBootState',
  tpmVersion: 'DeviceStatus/TPM/SpecificationVersion',
  antivirus: 'DeviceStatus/Antivirus/Status',
  antivirusSignature: 'DeviceStatus/Antivirus/SignatureStatus',
  antispyware: 'DeviceStatus/Antispyware/Status',
  firewall: 'DeviceStatus/Firewall/Status',
  codeIntegrity: 'DeviceStatus/DeviceGuard/HypervisorEnforcedCodeIntegrityStatus',
  virtualizationBasedSecurity: 'DeviceStatus/DeviceGuard/VirtualizationBasedSecurityStatus',
  defenderEnabled: 'Defender/Health/DefenderEnabled',
  rtpEnabled: 'Defender/Health/RtpEnabled',
} as const;

export type FactName = keyof typeof FACT;

const KEYS: ReadonlySet<string> = new Set(Object.values(FACT));

/** The LocURIs management reads at each check-in (DevDetail is spelled without Vendor/MSFT). */
export const COMPLIANCE_FACT_URIS: readonly string[] = Object.values(FACT).map((key) => (key.startsWith('DevDetail/') ? `./${key}` : `./Vendor/MSFT/${key}`));

export function isComplianceFact(key: string): boolean {
  return KEYS.has(key);
}

/**
 * The latest value of each fact, by key (FACT values). When each arrived is kept beside them
 * in the store, not here: evaluation reads values only, so devices in the same state have the
 * same facts and are evaluated once (`ResultMemo`).
 */
export type DeviceFacts = Readonly<Record<string, string | undefined>>;

const ORDER: ReadonlyMap<string, number> = new Map(Object.values(FACT).map((key, i) => [key, i]));

/** The same facts always serialise to the same text: keys in FACT's order. */
export function factsText(facts: DeviceFacts): string {
  const keys = Object.keys(facts)
    .filter((k) => facts[k] !== undefined)
    .sort((a, b) => (ORDER.get(a) ?? 99) - (ORDER.get(b) ?? 99) || (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, facts[k]])));
}
