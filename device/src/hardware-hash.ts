/** The 4K hardware hash Windows computes in OOBE and Autopilot registers devices by. */
import { encodeHardwareHash, type FourPartVersion, type HardwareInventory } from '@baton/protocols';
import type { DeviceInventory } from './inventory.js';

const STORAGE_BUS_NVME = 17;

export function parseOsBuild(osBuild: string): FourPartVersion {
  const [major = 0, minor = 0, build = 0, revision = 0] = osBuild.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return { major, minor, build, revision };
}

export function toHashInventory(inventory: DeviceInventory): HardwareInventory {
  return {
    osBuild: parseOsBuild(inventory.osBuild),
    osType: 2,
    cpuArch: 9,
    processorManufacturer: inventory.processor.manufacturer,
    processorModel: inventory.processor.model,
    totalRamMb: inventory.totalRamMb,
    disks: inventory.disks.map((d) => ({ serial: d.serial, capacityGb: d.capacityGb, bus: STORAGE_BUS_NVME, ssd: d.ssd })),
    networkAdapters: inventory.macAddresses.map((mac, i) => ({ mac, medium: i === 0 ? 'ethernet' : 'wlan' })),
    smbiosUuid: inventory.smbiosUuid,
    tpmVersion: inventory.tpm.version,
    smbiosSerial: inventory.serialNumber,
    smbiosManufacturer: inventory.manufacturer,
    smbiosProduct: inventory.model,
    tpmEkPub: inventory.tpm.ekPublicKey,
  };
}

/** Base64, as the Autopilot CSV column and the lookup request carry it. */
export function hardwareHash(inventory: DeviceInventory): string {
  return encodeHardwareHash(toHashInventory(inventory)).toString('base64');
}
