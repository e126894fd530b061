/**
 * The hardware a simulated Windows device reports. Everything derives from a seed so a
 * fleet run can be replayed exactly: the same seed and index always give the same
 * machine, hence the same hardware hash and the same Autopilot registration.
 */
import { createHash } from 'node:crypto';
import { endorsementKeyPublicBase64 } from './tpm.js';

export interface TpmInfo {
  /** TPM spec version as Windows reports it in the hash ("2.0"). */
  version: string;
  manufacturerId: string;
  /** Endorsement key public part, base64 DER SubjectPublicKeyInfo (ECC P-256). */
  ekPublicKey: string;
  /** What the TPM derives its EK from (tpm.ts); the simulator's stand-in for the TPM's primary seed. */
  endorsementSeed: string;
}

export interface DeviceInventory {
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** SMBIOS system UUID, uppercase with dashes as Windows prints it. */
  smbiosUuid: string;
  /** Colon-separated uppercase MACs; Ethernet first, then Wi-Fi. */
  macAddresses: string[];
  disks: Array<{ serial: string; capacityGb: number; ssd: boolean }>;
  processor: { manufacturer: string; model: string };
  tpm: TpmInfo;
  /** Full OS build, e.g. 10.0.22631.4460. */
  osBuild: string;
  biosVersion: string;
  totalRamMb: number;
}

/** sfc32 seeded through cyrb128: tiny, fast and well distributed; not for secrets. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    // The first outputs of sfc32 still echo the seed; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

const UPPER_ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
const HEX = '0123456789ABCDEF';

interface Vendor {
  manufacturer: string;
  models: string[];
  serialPrefix: string[];
  biosPrefix: string;
  /** IEEE OUIs, so MACs look like this vendor's NICs. */
  ouis: string[];
}

const VENDORS: readonly Vendor[] = [
  {
    manufacturer: 'Contoso',
    models: ['Contoso Surface 7', 'Contoso ProBook 450 G10', 'Contoso EliteDesk 800 G9'],
    serialPrefix: ['5CG', '5CD', 'CND'],
    biosPrefix: 'C01',
    ouis: ['00:1D:D8', '3C:52:82'],
  },
  {
    manufacturer: 'Fabrikam',
    models: ['Fabrikam Latitude 7440', 'Fabrikam OptiPlex 7010', 'Fabrikam Precision 3580'],
    serialPrefix: ['5CG', 'FBK', 'JX'],
    biosPrefix: '1.1',
    ouis: ['F8:BC:12', 'A4:BB:6D'],
  },
  {
    manufacturer: 'Northwind',
    models: ['Northwind ThinkPad T14 Gen 4', 'Northwind ThinkCentre M70q', 'Northwind X1 Carbon Gen 11'],
    serialPrefix: ['5CG', 'PF', 'NW'],
    biosPrefix: 'N3',
    ouis: ['8C:16:45', '54:E1:AD'],
  },
];

/** Windows 11 builds seen in the field, newest servicing update of each release. */
const OS_BUILDS = ['10.0.22621.4317', '10.0.22631.4460', '10.0.26100.2314'];

const PROCESSORS = [
  { manufacturer: 'GenuineIntel', model: '13th Gen Intel(R) Core(TM) i7-1365U' },
  { manufacturer: 'GenuineIntel', model: '13th Gen Intel(R) Core(TM) i5-1345U' },
  { manufacturer: 'GenuineIntel', model: 'Intel(R) Core(TM) Ultra 7 165U' },
  { manufacturer: 'AuthenticAMD', model: 'AMD Ryzen 7 PRO 7840U w/ Radeon 780M Graphics' },
];

const TPM_MANUFACTURERS = ['IFX', 'NTC', 'STM', 'INTC'];

function mac(rng: SeededRandom, oui: string): string {
  const tail = Array.from(rng.bytes(3), (b) => b.toString(16).padStart(2, '0').toUpperCase());
  return [oui, ...tail].join(':');
}

function uuid(rng: SeededRandom): string {
  const b = rng.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function randomInventory(seed: string | number, index: number): DeviceInventory {
  const rng = new SeededRandom(`${seed}#${index}`);
  // A stream of its own, so the other fields stay what they were before the TPM had keys.
  const endorsementSeed = sha256Hex(`tpm|${seed}#${index}`).toLowerCase();
  const vendor = rng.pick(VENDORS);
  const prefix = rng.pick(vendor.serialPrefix);
  const serialNumber = prefix + rng.chars(UPPER_ALNUM, 10 - prefix.length);
  const ethernet = mac(rng, vendor.ouis[0]!);
  const wifi = mac(rng, vendor.ouis[1]!);
  const diskCount = 1 + rng.int(2);
  // NVMe serials as Windows reports them: 16 hex digits in groups of four, with a trailing dot.
  const disks = Array.from({ length: diskCount }, () => ({
    serial: `${rng.chars(HEX, 4)}_${rng.chars(HEX, 4)}_${rng.chars(HEX, 4)}_${rng.chars(HEX, 4)}.`,
    capacityGb: rng.pick([256, 512, 1024]),
    ssd: true,
  }));
  return {
    manufacturer: vendor.manufacturer,
    model: rng.pick(vendor.models),
    serialNumber,
    smbiosUuid: uuid(rng),
    macAddresses: [ethernet, wifi],
    disks,
    processor: { ...rng.pick(PROCESSORS) },
    tpm: { version: '2.0', manufacturerId: rng.pick(TPM_MANUFACTURERS), ekPublicKey: endorsementKeyPublicBase64(endorsementSeed), endorsementSeed },
    osBuild: rng.pick(OS_BUILDS),
    biosVersion: `${vendor.biosPrefix}.${10 + rng.int(80)}.${rng.int(10)}`,
    totalRamMb: rng.pick([8192, 16384, 32768]),
  };
}

/** Windows' MDM DeviceID: 32 uppercase hex, stable for the machine across re-enrollments. */
export function mdmDeviceId(inventory: DeviceInventory): string {
  return sha256Hex(`mdm|${inventory.smbiosUuid}|${inventory.serialNumber}`).slice(0, 32);
}

/** Windows' HWDevID context item: a 64-hex hardware fingerprint. */
export function hardwareDeviceId(inventory: DeviceInventory): string {
  return sha256Hex(`hw|${inventory.smbiosUuid}|${inventory.serialNumber}|${inventory.macAddresses.join(',')}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').toUpperCase();
}

/**
 * Resolves Autopilot's device name template the way OOBE does: %SERIAL% and %RAND:n%,
 * truncated to the 15 characters of a NetBIOS name.
 */
export function deviceNameFromTemplate(template: string | undefined, inventory: DeviceInventory): string {
  const rng = new SeededRandom(`name|${inventory.serialNumber}`);
  const raw = template && template.trim() !== ''
    ? template
        .replace(/%SERIAL%/gi, inventory.serialNumber)
        .replace(/%RAND:(\d+)%/gi, (_m, n: string) => rng.chars('0123456789', Math.min(Number(n), 15)))
    : `DESKTOP-${rng.chars(UPPER_ALNUM, 7)}`;
  return raw.replace(/[^A-Za-z0-9-]/g, '').slice(0, 15);
}
