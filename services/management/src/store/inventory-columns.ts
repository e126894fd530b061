/**
 * Inventory nodes Graph can filter managed devices on, kept in columns of their own: the
 * inventory itself is one JSON text, which SQL cannot index. session/inventory.ts reads the same
 * nodes for the managedDevice's serialNumber, deviceName, osVersion, model and manufacturer; the
 * device's own report wins over what it said at enrollment, as on the Graph resource.
 */
import type { EnrollmentsTable } from './schema.js';

/** Inventory keys (CSP paths without the leading `./`) of the values Graph shows and filters on. */
export const INVENTORY_NODES = {
  serialNumber: 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber',
  deviceName: 'DevDetail/Ext/Microsoft/DeviceName',
  osVersion: 'DevDetail/SwV',
  model: 'DevInfo/Mod',
  // DevDetail/OEM names the maker as the firmware does; DevInfo/Man is the older node, read when OEM is absent.
  manufacturer: 'DevDetail/OEM',
  manufacturerFallback: 'DevInfo/Man',
} as const;

export type InventoryColumnName = 'serial_number' | 'device_name' | 'os_version' | 'model' | 'manufacturer';

/** The columns a (merged) inventory sets; a node the device has not reported leaves its column alone. */
export function inventoryColumns(inventory: Record<string, string>): Partial<Pick<EnrollmentsTable, InventoryColumnName>> {
  const columns: Partial<Pick<EnrollmentsTable, InventoryColumnName>> = {};
  const nodes = INVENTORY_NODES;
  const read = (node: string) => (typeof inventory[node] === 'string' ? inventory[node] : undefined);
  const set = (column: InventoryColumnName, value: string | undefined) => {
    if (value !== undefined) columns[column] = value;
  };
  set('serial_number', read(nodes.serialNumber));
  set('device_name', read(nodes.deviceName));
  set('os_version', read(nodes.osVersion));
  set('model', read(nodes.model));
  set('manufacturer', read(nodes.manufacturer) ?? read(nodes.manufacturerFallback));
  return columns;
}

/** Only the named columns of `columns`: a migration writes the columns that exist at its step. */
export function pickColumns(columns: Partial<Pick<EnrollmentsTable, InventoryColumnName>>, names: readonly InventoryColumnName[]) {
  return Object.fromEntries(Object.entries(columns).filter(([name]) => (names as readonly string[]).includes(name)));
}
