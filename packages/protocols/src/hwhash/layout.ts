/** TLV record types of the OA 4K hardware hash. */
export const RecordType = {
  Build: 1,
  ProcessorManufacturer: 3,
  ProcessorModel: 4,
  Memory: 5,
  DiskInfo: 6,
  DiskSerial: 7,
  NetworkAdapter: 8,
  SmbiosUuid: 12,
  TpmVersion: 13,
  SmbiosSerial: 14,
  SmbiosManufacturer: 16,
  SmbiosProduct: 17,
  SmbiosSku: 18,
  SmbiosFamily: 19,
  ProductKeyId: 24,
  TpmEkPub: 25,
} as const;

/** STORAGE_BUS_TYPE values seen in hashes. */
export const StorageBusType = { SCSI: 1, ATAPI: 2, ATA: 3, RAID: 8, SAS: 10, SATA: 11, NVMe: 17 } as const;

/** NDIS_PHYSICAL_MEDIUM values: Ethernet is 802.3, Wi-Fi reports Native 802.11 (older drivers WirelessLan). */
export const MEDIUM_ETHERNET = 14;
export const MEDIUM_NATIVE_80211 = 9;
export const MEDIUM_WIRELESS_LAN = 1;

export const MAGIC = 0x414f; // "OA" little-endian
export const HEADER_BYTES = 4;
export const RECORD_HEADER_BYTES = 4;
/** The TLV area is addressed by a u16. */
export const MAX_HASH_BYTES = 0xffff;

// Build record payload: tool version quad, OS version quad (each minor, major, revision,
// build as u16), five bytes whose meaning is unpublished, then OS type, CPU arch, tool version.
export const BUILD_PAYLOAD_BYTES = 24;
export const MEMORY_PAYLOAD_BYTES = 24;
export const DISK_INFO_PAYLOAD_BYTES = 12;
export const NETWORK_PAYLOAD_BYTES = 12;
export const NETWORK_MAC_OFFSET = 4;
export const DISK_SSD = 0;
export const DISK_HDD = 0xff;
export const DISK_UNKNOWN = 1;
