/**
 * The part of Windows' OMA-DM management tree (configuration service providers) a first
 * management session reads: DevInfo, DevDetail and a writable Vendor/MSFT area where policies
 * land, plus the executable nodes of remote actions (RemoteWipe, Reboot, Defender's Scan and
 * UpdateSignature, BitLocker's RotateRecoveryPasswords), the DNS computer name a rename
 * replaces, and the DMClient provider whose deletion unenrolls the device. Statuses are the
 * SyncML codes Windows answers with.
 *
 * A real device acts on a wipe or reboot after it has answered the session; the simulated
 * one records the effect in `state` at once, and the agent stops polling once it has no
 * enrollment left.
 */
import { newRecoveryPassword, type RecoveryPassword } from './bitlocker.js';
import type { DeviceInventory } from './inventory.js';
import { MsiInstalls, msiUri, type AppInstallBehaviour } from './msi-installs.js';

export type CspFormat = 'chr' | 'int' | 'bool' | 'b64' | 'xml' | 'node' | 'null';

export interface CspValue {
  format: CspFormat;
  data: string;
}

interface Leaf {
  format: CspFormat;
  read: () => string;
  writable: boolean;
}

/**
 * A policy node whose value changes the device's security posture, with the values its CSP
 * accepts (anything else is refused with 400, as a CSP refuses data it cannot parse).
 */
interface PolicyNode {
  accepts: RegExp;
  apply: (data: string, security: DeviceSecurity) => void;
}

/** What an Atomic rolls back to. */
export interface CspSnapshot {
  leaves: Map<string, Leaf>;
  security: DeviceSecurity;
  firewallProfiles: Record<string, boolean>;
  deviceName: string;
}

const FIREWALL_PROFILES = ['DomainProfile', 'PrivateProfile', 'PublicProfile'] as const;

export interface CspTreeOptions {
  /** The MDM DeviceID, which Windows also reports as DevInfo/DevId. */
  deviceId: string;
  deviceName: string;
  hwDevId?: string;
  locale?: string;
  /** PROVIDER-ID of the enrollment's w7 APPLICATION: DMClient/Provider/<id> exists while enrolled. */
  providerId?: string;
  /**
   * Nodes whose configuration service provider fails: every command on them (or below them)
   * is answered with this SyncML status, as a CSP that errors out answers Windows' DM client.
   */
  failingNodes?: Record<string, string>;
  /** How app installers behave, by MSI product code (`{GUID}`); an app not named installs fine. */
  appInstalls?: Record<string, AppInstallBehaviour>;
}

export type WipeMethod = 'doWipe' | 'doWipeProtected' | 'doWipePersistProvisionedData' | 'doWipePersistUserData';

/**
 * The security posture the DeviceStatus and Defender CSPs report, which compliance policies
 * judge. A new simulated device is healthy; tests change it with `CspTree.setSecurity`.
 */
export interface DeviceSecurity {
  bitLocker: boolean;
  secureBoot: boolean;
  /** TPM specification version, or null for a device without a TPM. */
  tpmVersion: string | null;
  firewall: boolean;
  antivirus: boolean;
  antispyware: boolean;
  antivirusSignaturesUpToDate: boolean;
  defender: boolean;
  realTimeProtection: boolean;
  /** Hypervisor-enforced code integrity (memory integrity) running. */
  codeIntegrity: boolean;
  virtualizationBasedSecurity: boolean;
}

export const HEALTHY_SECURITY: Readonly<DeviceSecurity> = {
  bitLocker: true,
  secureBoot: true,
  tpmVersion: '2.0',
  firewall: true,
  antivirus: true,
  antispyware: true,
  antivirusSignaturesUpToDate: true,
  defender: true,
  realTimeProtection: true,
  codeIntegrity: true,
  virtualizationBasedSecurity: true,
};

/**
 * What Defender's Health nodes report (Defender CSP,
 * https://learn.microsoft.com/windows/client-management/mdm/defender-csp). A new device has
 * never been scanned: both scans are overdue until one runs.
 */
export interface DefenderHealth {
  engineVersion: string;
  signatureVersion: string;
  defenderVersion: string;
  /** Scan times as the simulated device reports them (ISO 8601 UTC), null before the first scan. */
  quickScanTime: string | null;
  fullScanTime: string | null;
  quickScanSigVersion: string | null;
  fullScanSigVersion: string | null;
  quickScanOverdue: boolean;
  fullScanOverdue: boolean;
  fullScanRequired: boolean;
  rebootRequired: boolean;
  networkInspection: boolean;
  tamperProtection: boolean;
  virtualMachine: boolean;
}

export interface DeviceState {
  /** Whether the MDM enrollment survives: false after retire or a wipe that does not keep it. */
  enrolled: boolean;
  rebootCount: number;
  security: DeviceSecurity;
  defender: DefenderHealth;
  /** The computer name DevDetail reports; a rename replaces it. */
  deviceName: string;
  /** BitLocker recovery-password rotations, the latest last (request id from the server, new key id). */
  bitLockerRotations: Array<{ requestId: string; keyId: string; at: string }>;
  /**
   * The OS volume's current recovery password while BitLocker is on (null before it was ever
   * on); a rotation replaces it. The agent escrows it to identity (agent.ts).
   */
  recoveryPassword: RecoveryPassword | null;
  wiped?: { method: WipeMethod; enrollmentKept: boolean; userDataKept: boolean; at: string };
}

/** What each RemoteWipe node keeps (CSP RemoteWipe). */
const WIPES: Record<WipeMethod, { enrollmentKept: boolean; userDataKept: boolean }> = {
  doWipe: { enrollmentKept: false, userDataKept: false },
  doWipeProtected: { enrollmentKept: false, userDataKept: false },
  doWipePersistProvisionedData: { enrollmentKept: true, userDataKept: false },
  doWipePersistUserData: { enrollmentKept: true, userDataKept: true },
};

const DNS_COMPUTER_NAME = './DevDetail/Ext/Microsoft/DNSComputerName';

/** BitLocker's HRESULT for a volume that is not encrypted (as a signed 32-bit integer). */
const FVE_E_NOT_ENCRYPTED = 0x80310001 | 0;

function newDefenderHealth(): DefenderHealth {
  return {
    engineVersion: '1.1.24090.11',
    signatureVersion: '1.421.100.0',
    defenderVersion: '4.18.24090.11',
    quickScanTime: null,
    fullScanTime: null,
    quickScanSigVersion: null,
    fullScanSigVersion: null,
    quickScanOverdue: true,
    fullScanOverdue: true,
    fullScanRequired: false,
    rebootRequired: false,
    networkInspection: true,
    tamperProtection: true,
    virtualMachine: false,
  };
}

/** Health/ProductStatus: the CSP's bitmask (bit 5 AV signatures out of date, 7 no quick scan, 8 no full scan, 19 no flags set). */
function productStatus(security: DeviceSecurity, d: DefenderHealth): number {
  let bits = 0;
  if (!security.defender) bits |= 1 << 0;
  if (!security.antivirusSignaturesUpToDate) bits |= 1 << 5;
  if (d.quickScanOverdue) bits |= 1 << 7;
  if (d.fullScanOverdue) bits |= 1 << 8;
  return bits === 0 ? 1 << 19 : bits;
}

/** Roots that management may write (policies, DMClient settings); DevInfo/DevDetail are read-only. */
const WRITABLE_ROOTS = ['./Vendor/MSFT/', './User/Vendor/MSFT/'];

/**
 * Windows accepts `./Device/Vendor/MSFT/X` and `./Vendor/MSFT/X` for the same device-scoped node;
 * one spelling keeps the tree single.
 */
export function normalizeUri(uri: string): string {
  let u = uri.trim().replace(/\/+$/, '');
  if (!u.startsWith('./')) u = u.startsWith('/') ? `.${u}` : `./${u}`;
  if (u === './Device/Vendor/MSFT' || u.startsWith('./Device/Vendor/MSFT/')) u = `./Vendor/MSFT${u.slice('./Device/Vendor/MSFT'.length)}`;
  return u;
}

export class CspTree {
  private readonly leaves = new Map<string, Leaf>();
  /** Exec nodes: each records its effect and may answer a status of its own (200 when it does not). */
  private readonly execs = new Map<string, (data?: string) => string | void>();
  private readonly providerUri: string | undefined;
  readonly state: DeviceState;
  private readonly failing = new Map<string, string>();
  private readonly policies = new Map<string, PolicyNode>();
  /** Windows Firewall is on for a profile until a policy turns it off. */
  private firewallProfiles: Record<string, boolean> = Object.fromEntries(FIREWALL_PROFILES.map((p) => [p, true]));
  /** Simulated time in ms: app installs and the ESP's timeout run on it, not on the wall clock. */
  private now = 0;
  readonly msi: MsiInstalls;

  constructor(inventory: DeviceInventory, options: CspTreeOptions) {
    this.state = {
      enrolled: true,
      rebootCount: 0,
      security: { ...HEALTHY_SECURITY },
      defender: newDefenderHealth(),
      deviceName: options.deviceName,
      bitLockerRotations: [],
      recoveryPassword: null,
    };
    const ro = (uri: string, format: CspFormat, read: () => string) => this.leaves.set(uri, { format, read, writable: false });
    const fixed = (uri: string, value: string, format: CspFormat = 'chr') => ro(uri, format, () => value);
    for (const [uri, status] of Object.entries(options.failingNodes ?? {})) this.failing.set(normalizeUri(uri), status);
    const installs = Object.fromEntries(Object.entries(options.appInstalls ?? {}).map(([code, b]) => [code.toUpperCase(), b]));
    this.msi = new MsiInstalls(() => this.now, installs);
    fixed('./DevInfo/DevId', options.deviceId);
    fixed('./DevInfo/Man', inventory.manufacturer);
    fixed('./DevInfo/Mod', inventory.model);
    fixed('./DevInfo/DmV', '1.3');
    fixed('./DevInfo/Lang', options.locale ?? 'en-US');
    fixed('./DevDetail/DevTyp', 'Desktop');
    fixed('./DevDetail/OEM', inventory.manufacturer);
    fixed('./DevDetail/FwV', inventory.biosVersion);
    fixed('./DevDetail/SwV', inventory.osBuild);
    fixed('./DevDetail/HwV', '1.0');
    fixed('./DevDetail/LrgObj', 'true', 'bool');
    ro('./DevDetail/Ext/Microsoft/DeviceName', 'chr', () => this.state.deviceName);
    ro('./DevDetail/Ext/Microsoft/DNSComputerName', 'chr', () => this.state.deviceName);
    fixed('./DevDetail/Ext/Microsoft/OSPlatform', 'Windows 11 Enterprise');
    fixed('./DevDetail/Ext/Microsoft/ProcessorArchitecture', '9', 'int');
    fixed('./DevDetail/Ext/Microsoft/TotalRAM', String(inventory.totalRamMb), 'int');
    fixed('./DevDetail/Ext/Microsoft/SMBIOSSerialNumber', inventory.serialNumber);
    fixed('./DevDetail/Ext/WLANMACAddress', inventory.macAddresses[1] ?? inventory.macAddresses[0] ?? '');
    ro('./DevDetail/Ext/Microsoft/LocalTime', 'chr', () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (options.hwDevId) fixed('./Vendor/MSFT/DMClient/HWDevID', options.hwDevId);
    this.addSecurityNodes();
    this.addPolicyNodes();
    if (options.providerId) {
      this.providerUri = `./Vendor/MSFT/DMClient/Provider/${options.providerId}`;
      const managed = (node: string, value: string) => this.leaves.set(`${this.providerUri}/${node}`, { format: 'chr', read: () => value, writable: true });
      managed('EntDeviceName', options.deviceName);
      managed('EntDMID', options.deviceId);
    }
    for (const method of Object.keys(WIPES) as WipeMethod[]) {
      this.execs.set(`./Vendor/MSFT/RemoteWipe/${method}`, () => {
        const kept = WIPES[method];
        this.state.wiped = { method, ...kept, at: new Date().toISOString() };
        if (!kept.enrollmentKept) this.state.enrolled = false;
      });
    }
    this.execs.set('./Vendor/MSFT/Reboot/RebootNow', () => {
      this.state.rebootCount++;
    });
    this.addDefenderActions();
    this.addBitLockerRotation();
  }

  /** Simulated time since the device started (ms). */
  get clock(): number {
    return this.now;
  }

  /** Lets simulated time pass: app installs move on. */
  advance(ms: number): void {
    this.now += Math.max(0, ms);
  }

  /** The status a failing CSP answers for a command on `uri`, or undefined when it works. */
  failureOf(uri: string): string | undefined {
    const u = normalizeUri(uri);
    for (const [node, status] of this.failing) if (u === node || u.startsWith(`${node}/`)) return status;
    return undefined;
  }

  /** Makes the CSP of `uri` (and below) fail with `status` from now on, as `failingNodes` does from the start. */
  setFailing(uri: string, status: string): void {
    this.failing.set(normalizeUri(uri), status);
  }

  /**
   * The recovery password to escrow: BitLocker makes one when it is first on (from the start
   * on a healthy device, or once a policy or `setSecurity` turns it on); null while it is off.
   */
  currentRecoveryPassword(): RecoveryPassword | null {
    if (!this.state.security.bitLocker) return null;
    return (this.state.recoveryPassword ??= newRecoveryPassword());
  }

  /** Changes the simulated security posture (e.g. `{ bitLocker: false }`); the next session reports it. */
  setSecurity(patch: Partial<DeviceSecurity>): DeviceSecurity {
    Object.assign(this.state.security, patch);
    return { ...this.state.security };
  }

  /**
   * Defender's Scan (data 1 quick, 2 full) and UpdateSignature: the simulated device finishes
   * at once what Windows runs in the background, so the Health nodes read behind them move.
   */
  private addDefenderActions(): void {
    const d = this.state.defender;
    this.execs.set('./Vendor/MSFT/Defender/Scan', (data) => {
      const kind = data?.trim();
      if (kind !== '1' && kind !== '2') return '400';
      const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (kind === '1') {
        Object.assign(d, { quickScanTime: at, quickScanSigVersion: d.signatureVersion, quickScanOverdue: false });
      } else {
        Object.assign(d, { fullScanTime: at, fullScanSigVersion: d.signatureVersion, fullScanOverdue: false, fullScanRequired: false });
      }
      return '200';
    });
    this.execs.set('./Vendor/MSFT/Defender/UpdateSignature', () => {
      const parts = d.signatureVersion.split('.').map(Number);
      parts[2] = (parts[2] ?? 0) + 1;
      d.signatureVersion = parts.join('.');
      this.state.security.antivirusSignaturesUpToDate = true;
      return '200';
    });
  }

  /**
   * BitLocker's RotateRecoveryPasswords takes the server's request id; Windows answers 202
   * (accepted for processing) and reports the outcome under Status (BitLocker CSP,
   * https://learn.microsoft.com/windows/client-management/mdm/bitlocker-csp). A device without
   * BitLocker on has no recovery password to rotate: the rotation fails with
   * FVE_E_NOT_ENCRYPTED as its status.
   */
  private addBitLockerRotation(): void {
    const last = () => this.state.bitLockerRotations.at(-1);
    let status = '2';
    this.execs.set('./Vendor/MSFT/BitLocker/RotateRecoveryPasswords', (data) => {
      const requestId = data?.trim() ?? '';
      if (!requestId) return '400';
      if (this.state.security.bitLocker) {
        const rotated = newRecoveryPassword();
        this.state.recoveryPassword = rotated;
        this.state.bitLockerRotations.push({ requestId, keyId: rotated.keyId, at: new Date().toISOString() });
        status = '0';
      } else {
        this.state.bitLockerRotations.push({ requestId, keyId: '', at: new Date().toISOString() });
        status = String(FVE_E_NOT_ENCRYPTED);
      }
      return '202';
    });
    const node = (uri: string, format: CspFormat, read: () => string) => this.leaves.set(uri, { format, read, writable: false });
    node('./Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus', 'int', () => status);
    node('./Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID', 'chr', () => last()?.requestId ?? '');
  }

  /** DeviceStatus and Defender health nodes, read live from `state.security` (codes from the CSP reference). */
  private addSecurityNodes(): void {
    const s = () => this.state.security;
    const node = (uri: string, format: CspFormat, read: () => string) => this.leaves.set(uri, { format, read, writable: false });
    // Status nodes: 0 on and monitoring, 1 disabled.
    const status = (on: boolean) => (on ? '0' : '1');
    const ds = './Vendor/MSFT/DeviceStatus';
    node(`${ds}/Compliance/EncryptionCompliance`, 'int', () => (s().bitLocker ? '1' : '0'));
    // SecureBootState: 1 enabled, 2 disabled.
    node(`${ds}/SecureBootState`, 'int', () => (s().secureBoot ? '1' : '2'));
    node(`${ds}/TPM/SpecificationVersion`, 'chr', () => s().tpmVersion ?? 'Not available');
    node(`${ds}/Firewall/Status`, 'int', () => status(s().firewall));
    node(`${ds}/Antivirus/Status`, 'int', () => status(s().antivirus));
    node(`${ds}/Antivirus/SignatureStatus`, 'int', () => (s().antivirusSignaturesUpToDate ? '0' : '1'));
    node(`${ds}/Antispyware/Status`, 'int', () => status(s().antispyware));
    node(`${ds}/DeviceGuard/HypervisorEnforcedCodeIntegrityStatus`, 'int', () => status(s().codeIntegrity));
    node(`${ds}/DeviceGuard/VirtualizationBasedSecurityStatus`, 'int', () => status(s().virtualizationBasedSecurity));
    const health = './Vendor/MSFT/Defender/Health';
    const d = () => this.state.defender;
    node(`${health}/DefenderEnabled`, 'bool', () => String(s().defender));
    node(`${health}/RtpEnabled`, 'bool', () => String(s().realTimeProtection));
    node(`${health}/NisEnabled`, 'bool', () => String(d().networkInspection));
    node(`${health}/TamperProtectionEnabled`, 'bool', () => String(d().tamperProtection));
    node(`${health}/IsVirtualMachine`, 'bool', () => String(d().virtualMachine));
    node(`${health}/QuickScanOverdue`, 'bool', () => String(d().quickScanOverdue));
    node(`${health}/FullScanOverdue`, 'bool', () => String(d().fullScanOverdue));
    node(`${health}/SignatureOutOfDate`, 'bool', () => String(!s().antivirusSignaturesUpToDate));
    node(`${health}/RebootRequired`, 'bool', () => String(d().rebootRequired));
    node(`${health}/FullScanRequired`, 'bool', () => String(d().fullScanRequired));
    node(`${health}/EngineVersion`, 'chr', () => d().engineVersion);
    node(`${health}/SignatureVersion`, 'chr', () => d().signatureVersion);
    node(`${health}/DefenderVersion`, 'chr', () => d().defenderVersion);
    node(`${health}/QuickScanTime`, 'chr', () => d().quickScanTime ?? '');
    node(`${health}/FullScanTime`, 'chr', () => d().fullScanTime ?? '');
    node(`${health}/QuickScanSigVersion`, 'chr', () => d().quickScanSigVersion ?? '');
    node(`${health}/FullScanSigVersion`, 'chr', () => d().fullScanSigVersion ?? '');
    node(`${health}/ProductStatus`, 'int', () => String(productStatus(s(), d())));
    node(`${health}/ComputerState`, 'int', () => String((d().fullScanRequired ? 1 : 0) + (d().rebootRequired ? 2 : 0)));
  }

  /**
   * The security baseline's nodes (BitLocker, Defender and Firewall CSPs): writing them turns
   * the posture DeviceStatus reports on or off, as applying the policy does on Windows.
   */
  private addPolicyNodes(): void {
    const flag = /^[01]$/;
    const bool = /^(true|false)$/i;
    this.policies.set('./Vendor/MSFT/BitLocker/RequireDeviceEncryption', { accepts: flag, apply: (d, s) => (s.bitLocker = d === '1') });
    this.policies.set('./Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', { accepts: flag, apply: (d, s) => (s.realTimeProtection = d === '1') });
    this.policies.set('./Vendor/MSFT/Policy/Config/Defender/AllowBehaviorMonitoring', { accepts: flag, apply: () => undefined });
    this.policies.set('./Vendor/MSFT/Policy/Config/Defender/AllowCloudProtection', { accepts: flag, apply: () => undefined });
    for (const profile of FIREWALL_PROFILES) {
      this.policies.set(`./Vendor/MSFT/Firewall/MdmStore/${profile}/EnableFirewall`, {
        accepts: bool,
        apply: (d, s) => {
          this.firewallProfiles[profile] = d.toLowerCase() === 'true';
          s.firewall = FIREWALL_PROFILES.every((p) => this.firewallProfiles[p]);
        },
      });
    }
  }

  /** The tree as it is now, for an Atomic to roll back to. */
  snapshot(): CspSnapshot {
    return { leaves: new Map(this.leaves), security: { ...this.state.security }, firewallProfiles: { ...this.firewallProfiles }, deviceName: this.state.deviceName };
  }

  restore(snapshot: CspSnapshot): void {
    this.leaves.clear();
    for (const [uri, leaf] of snapshot.leaves) this.leaves.set(uri, leaf);
    Object.assign(this.state.security, snapshot.security);
    this.firewallProfiles = { ...snapshot.firewallProfiles };
    this.state.deviceName = snapshot.deviceName;
  }

  /**
   * Exec: 200 once the node's effect is recorded, 404 for a node that does not exist,
   * 405 for a node that exists but cannot be executed.
   */
  exec(uri: string, data?: string): string {
    const u = normalizeUri(uri);
    const install = this.msi.exec(u, data);
    if (install !== undefined) return install;
    const run = this.execs.get(u);
    if (run) return run(data) ?? '200';
    return this.get(u) ? '405' : '404';
  }

  /** A leaf's value, or an interior node's children as Windows lists them (`a/b/c`). */
  get(uri: string): CspValue | undefined {
    const u = normalizeUri(uri);
    if (msiUri(u)) {
      const value = this.msi.get(u);
      if (value !== undefined) return { format: /\/(Status|LastError)$/.test(u) ? 'int' : 'chr', data: value };
    }
    const leaf = this.leaves.get(u);
    if (leaf) return { format: leaf.format, data: leaf.read() };
    // Exec nodes exist but have no value to read.
    if (this.execs.has(u)) return { format: 'null', data: '' };
    const children = this.children(u);
    return children.length > 0 ? { format: 'node', data: children.join('/') } : undefined;
  }

  has(uri: string): boolean {
    return this.get(uri) !== undefined;
  }

  /** Add or Replace: 200 on success, 405 on a read-only node, 418 for Add of an existing leaf. */
  set(uri: string, data: string, format: CspFormat = 'chr', verb: 'Add' | 'Replace' = 'Replace'): string {
    const u = normalizeUri(uri);
    if (verb === 'Add' && format === 'node') {
      const added = this.msi.add(u);
      if (added !== undefined) return added;
    }
    if (u === DNS_COMPUTER_NAME) return this.rename(data, verb);
    const existing = this.leaves.get(u);
    if (existing && !existing.writable) return '405';
    if (!WRITABLE_ROOTS.some((root) => u.startsWith(root))) return '405';
    if (verb === 'Add' && existing) return '418';
    const policy = this.policies.get(u);
    if (policy && !policy.accepts.test(data)) return '400';
    this.leaves.set(u, { format, read: () => data, writable: true });
    policy?.apply(data, this.state.security);
    return '200';
  }

  /**
   * DevDetail's DNSComputerName takes Replace (DevDetail CSP, Windows 10 2004 and later). Windows
   * applies the name at its next restart; the simulated device applies it at once, so the
   * DeviceName read behind the rename reports it. A name Windows would refuse is a 400.
   */
  private rename(name: string, verb: 'Add' | 'Replace'): string {
    if (verb !== 'Replace') return '405';
    if (name.length < 1 || name.length > 63 || !/^[A-Za-z0-9-]+$/.test(name) || /^\d+$/.test(name)) return '400';
    this.state.deviceName = name;
    return '200';
  }

  /** 200 when something was deleted, 404 when nothing was there, 405 for read-only nodes. */
  delete(uri: string): string {
    const u = normalizeUri(uri);
    const removed = this.msi.delete(u);
    if (removed !== undefined) return removed;
    const targets = [...this.leaves.keys()].filter((k) => k === u || k.startsWith(`${u}/`));
    if (targets.length === 0) return '404';
    if (targets.some((k) => !this.leaves.get(k)!.writable)) return '405';
    for (const k of targets) this.leaves.delete(k);
    if (this.providerUri && (u === this.providerUri || this.providerUri.startsWith(`${u}/`))) this.state.enrolled = false;
    return '200';
  }

  private children(prefix: string): string[] {
    const names = new Set<string>();
    for (const key of [...this.leaves.keys(), ...this.execs.keys()]) {
      if (key.startsWith(`${prefix}/`)) names.add(key.slice(prefix.length + 1).split('/')[0]!);
    }
    return [...names];
  }
}
