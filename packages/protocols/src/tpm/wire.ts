/** TPM 2.0 marshalling: big-endian integers and TPM2B (16-bit size, then the bytes). */
import { fail } from '../errors.js';

export function tpm2b(bytes: Buffer): Buffer {
  if (bytes.length > 0xffff) throw new RangeError('TPM2B payload over 65535 bytes');
  const size = Buffer.alloc(2);
  size.writeUInt16BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

export function uint16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** Reads marshalled TPM structures; every overrun is a ProtocolParseError, never a RangeError. */
export class TpmReader {
  private offset = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly what: string,
  ) {}

  uint16(): number {
    this.need(2);
    const v = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  raw(length: number): Buffer {
    this.need(length);
    const v = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  sized(): Buffer {
    return this.raw(this.uint16());
  }

  end(): void {
    if (this.offset !== this.bytes.length) fail('tpm.trailing', `${this.what} has ${this.bytes.length - this.offset} trailing bytes`);
  }

  private need(length: number): void {
    if (this.offset + length > this.bytes.length) fail('tpm.truncated', `${this.what} is truncated`);
  }
}
