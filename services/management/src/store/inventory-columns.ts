/**
 * Inventory nodes Graph can filter managed devices on, kept in columns of their own: the
 * inventory itself is one JSON text, which SQL cannot index. The nodes are those
 * session/inventory.ts reads for the managedDevice's serialNumber, deviceName and osVersion;
 * the device's own report wins over what it said at enrollment, as on the Graph resource.
 */
import type { EnrollmentsTable } from './schema.js';

const SERIAL_NUMBER = 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber';
const DEVICE_NAME = 'DevDetail/Ext/Microsoft/DeviceName';
const OS_VERSION = 'DevDetail/SwV';

/** The columns a (merged) inventory sets; a node the device has not reported leaves its column alone. */
export function inventoryColumns(inventory: Record<string, string>): Partial<Pick<EnrollmentsTable, 'serial_number' | 'device_name' | 'os_version'>> {
  const columns: Partial<Pick<EnrollmentsTable, 'serial_number' | 'device_name' | 'os_version'>> = {};
  if (typeof inventory[SERIAL_NUMBER] === 'string') columns.serial_number = inventory[SERIAL_NUMBER];
  if (typeof inventory[DEVICE_NAME] === 'string') columns.device_name = inventory[DEVICE_NAME];
  if (typeof inventory[OS_VERSION] === 'string') columns.os_version = inventory[OS_VERSION];
  return columns;
}
