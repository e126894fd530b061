/**
 * Inventory nodes Graph can filter managed devices on, kept in columns of their own: the
 * inventory itself is one JSON text, which SQL cannot index. session/inventory.ts reads the same
 * nodes for the managedDevice's serialNumber, deviceName and osVersion; the device's own report
 * wins over what it said at enrollment, as on the Graph resource.
 */
import type { EnrollmentsTable } from './schema.js';

/** Inventory keys (CSP paths without the leading `./`) of the values Graph shows and filters on. */
export const INVENTORY_NODES = {
  serialNumber: 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber',
  deviceName: 'DevDetail/Ext/Microsoft/DeviceName',
  osVersion: 'DevDetail/SwV',
} as const;

/** The columns a (merged) inventory sets; a node the device has not reported leaves its column alone. */
export function inventoryColumns(inventory: Record<string, string>): Partial<Pick<EnrollmentsTable, 'serial_number' | 'device_name' | 'os_version'>> {
  const columns: Partial<Pick<EnrollmentsTable, 'serial_number' | 'device_name' | 'os_version'>> = {};
  const { serialNumber, deviceName, osVersion } = INVENTORY_NODES;
  if (typeof inventory[serialNumber] === 'string') columns.serial_number = inventory[serialNumber];
  if (typeof inventory[deviceName] === 'string') columns.device_name = inventory[deviceName];
  if (typeof inventory[osVersion] === 'string') columns.os_version = inventory[osVersion];
  return columns;
}
