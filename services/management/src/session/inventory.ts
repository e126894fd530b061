/**
 * Inventory: the DevInfo/DevDetail values a device reports, kept per enrollment under
 * their CSP path (`DevInfo/Mod`, `DevDetail/SwV`, …), the DeviceStatus and Defender health
 * values compliance is evaluated on and windowsProtectionState shows, and the BitLocker status of
 * a recovery-password rotation. Only these trees are kept, and
 * each value is bounded, so a device cannot grow its row without limit.
 */
import type { NewCommand } from '../store/store.js';
import { INVENTORY_NODES } from '../store/inventory-columns.js';

export const FIRST_SESSION_INVENTORY: readonly string[] = [
  './DevDetail/SwV',
  './DevDetail/Ext/Microsoft/DeviceName',
  './DevDetail/OEM',
  './DevInfo/Mod',
  './DevDetail/Ext/Microsoft/SMBIOSSerialNumber',
];

export function firstSessionCommands(): NewCommand[] {
  return FIRST_SESSION_INVENTORY.map((locUri) => ({ verb: 'Get', locUri }));
}

const MAX_KEY = 256;
const MAX_VALUE = 2048;
export const MAX_INVENTORY_VALUES_PER_MESSAGE = 200;

/** Maps a LocURI to its inventory key, or undefined when it is not inventory. */
export function inventoryKey(locUri: string | undefined): string | undefined {
  if (!locUri) return undefined;
  const path = locUri
    .trim()
    .replace(/^\.?\//, '')
    .replace(/^(Device\/)?Vendor\/MSFT\//i, '');
  if (path.length > MAX_KEY || !/^(DevInfo|DevDetail|DeviceStatus|Defender\/Health|BitLocker\/Status)\/[\w./-]+$/.test(path)) return undefined;
  return path;
}

export function inventoryValue(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  return data.length > MAX_VALUE ? data.slice(0, MAX_VALUE) : data;
}

/** Graph-facing view of the inventory. */
export function inventoryFacts(inventory: Record<string, string>) {
  return {
    model: inventory[INVENTORY_NODES.model],
    manufacturer: inventory[INVENTORY_NODES.manufacturer] ?? inventory[INVENTORY_NODES.manufacturerFallback],
    osVersion: inventory[INVENTORY_NODES.osVersion],
    deviceName: inventory[INVENTORY_NODES.deviceName],
    serialNumber: inventory[INVENTORY_NODES.serialNumber],
  };
}
