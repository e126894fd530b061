export interface FourPartVersion {
  major: number;
  minor: number;
  build: number;
  revision: number;
}

export type NetworkMedium = 'ethernet' | 'wlan';

export interface HardwareInventory {
  osBuild: FourPartVersion;
  /** 2 = full OS. */
  osType?: number;
  /** 0 x86, 9 x64, 12 ARM64. */
  cpuArch?: number;
  processorManufacturer: string;
  processorModel: string;
  totalRamMb?: number;
  /** `bus` is a STORAGE_BUS_TYPE value, see {@link StorageBusType}. */
  disks: Array<{ serial: string; capacityGb?: number; bus?: number; ssd?: boolean }>;
  /** `AA:BB:CC:DD:EE:FF`, `AA-BB-…` or 12 hex digits. */
  networkAdapters: Array<{ mac: string; medium: NetworkMedium }>;
  smbiosUuid: string;
  tpmVersion?: string;
  smbiosSerial: string;
  smbiosManufacturer: string;
  smbiosProduct: string;
  smbiosSku?: string;
  smbiosFamily?: string;
  productKeyId?: string;
  /** base64 of the TPM endorsement key public part. */
  tpmEkPub?: string;
}

export interface DecodedHardwareHash {
  totalLength: number;
  toolBuild?: FourPartVersion;
  osBuild?: FourPartVersion;
  osType?: number;
  cpuArch?: number;
  toolVersion?: number;
  processorManufacturer?: string;
  processorModel?: string;
  totalRamMb?: number;
  disks: Array<{ serial?: string; capacityGb?: number; bus?: number; ssd?: boolean }>;
  /** MACs are normalised to upper-case colon form. */
  networkAdapters: Array<{ mac: string; medium: NetworkMedium | 'other'; mediumCode: number }>;
  /** Upper-case, no braces. */
  smbiosUuid?: string;
  tpmVersion?: string;
  smbiosSerial?: string;
  smbiosManufacturer?: string;
  smbiosProduct?: string;
  smbiosSku?: string;
  smbiosFamily?: string;
  productKeyId?: string;
  tpmEkPub?: string;
  unknownRecords: Array<{ type: number; length: number }>;
  /** Bytes after the TLV area (the signature block of a real hash). */
  trailingBytes: number;
}
