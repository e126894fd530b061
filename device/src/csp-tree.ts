/**
 * The part of Windows' OMA-DM management tree (configuration service providers) a first
 * management session reads: DevInfo, DevDetail and a writable Vendor/MSFT area where policies
 * land, plus the executable nodes of remote actions (RemoteWipe, Reboot) and the DMClient
 * provider whose deletion unenrolls the device. Statuses are the SyncML codes Windows answers with.
 *
 * A real device acts on a wipe or reboot after it has answered the session; the simulated
 * one records the effect in `state` at once, and the agent stops polling once it has no
 * enrollment left.
 */
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

export interface DeviceState {
  /** Whether the MDM enrollment survives: false after retire or a wipe that does not keep it. */
  enrolled: boolean;
  rebootCount: number;
  security: DeviceSecurity;
  wiped?: { method: WipeMethod; enrollmentKept: boolean; userDataKept: boolean; at: string };
}

/** What each RemoteWipe node keeps (CSP RemoteWipe). */
const WIPES: Record<WipeMethod, { enrollmentKept: boolean; userDataKept: boolean }> = {
  doWipe: { enrollmentKept: false, userDataKept: false },
  doWipeProtected: { enrollmentKept: false, userDataKept: false },
  doWipePersistProvisionedData: { enrollmentKept: true, userDataKept: false },
  doWipePersistUserData: { enrollmentKept: true, userDataKept: true },
};

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
  private readonly execs = new Map<string, () => void>();
  private readonly providerUri: string | undefined;
  readonly state: DeviceState = { enrolled: true, rebootCount: 0, security: { ...HEALTHY_SECURITY } };
  private readonly failing = new Map<string, string>();
  private readonly policies = new Map<string, PolicyNode>();
  /** Windows Firewall is on for a profile until a policy turns it off. */
  private firewallProfiles: Record<string, boolean> = Object.fromEntries(FIREWALL_PROFILES.map((p) => [p, true]));
  /** Simulated time in ms: app installs and the ESP's timeout run on it, not on the wall clock. */
  private now = 0;
  readonly msi: MsiInstalls;

  constructor(inventory: DeviceInventory, options: CspTreeOptions) {
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
    fixed('./DevDetail/Ext/Microsoft/DeviceName', options.deviceName);
    fixed('./DevDetail/Ext/Microsoft/DNSComputerName', options.deviceName);
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

  /** Changes the simulated security posture (e.g. `{ bitLocker: false }`); the next session reports it. */
  setSecurity(patch: Partial<DeviceSecurity>): DeviceSecurity {
    Object.assign(this.state.security, patch);
    return { ...this.state.security };
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
    node('./Vendor/MSFT/Defender/Health/DefenderEnabled', 'bool', () => String(s().defender));
    node('./Vendor/MSFT/Defender/Health/RtpEnabled', 'bool', () => String(s().realTimeProtection));
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
    return { leaves: new Map(this.leaves), security: { ...this.state.security }, firewallProfiles: { ...this.firewallProfiles } };
  }

  restore(snapshot: CspSnapshot): void {
    this.leaves.clear();
    for (const [uri, leaf] of snapshot.leaves) this.leaves.set(uri, leaf);
    Object.assign(this.state.security, snapshot.security);
    this.firewallProfiles = { ...snapshot.firewallProfiles };
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
    if (run) {
      run();
      return '200';
    }
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
