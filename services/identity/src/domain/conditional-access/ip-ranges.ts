/**
 * CIDR ranges of ipNamedLocation and the sign-in's address, v4 and v6, as integer
 * intervals so matching is two comparisons. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
 * what a dual-stack socket reports) counts as the IPv4 address.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface IpInterval {
  family: IpFamily;
  first: bigint;
  last: bigint;
}

export class CidrError extends Error {
  override name = 'CidrError';
}

export function parseIp(raw: string): { family: IpFamily; value: bigint } | undefined {
  // A zone (`fe80::1%eth0`) says which interface, not which address.
  const text = raw.split('%')[0]!;
  if (isIPv4(text)) return { family: 4, value: v4(text) };
  if (!isIPv6(text)) return undefined;
  const value = v6(text);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** `a.b.c.d/n` or `x:y::/n`. Host bits may be set, as Entra accepts them (`12.34.221.11/22`). */
export function parseCidr(text: string): IpInterval {
  const slash = text.indexOf('/');
  if (slash < 0) throw new CidrError(`'${text.slice(0, 80)}' is not in CIDR notation (address/prefix)`);
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family: IpFamily | undefined = isIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : undefined;
  if (!family) throw new CidrError(`'${address.slice(0, 80)}' is not an IP address`);
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) throw new CidrError(`'/${prefixText.slice(0, 10)}' is not a prefix length from 0 to ${bits}`);
  const prefix = BigInt(prefixText);
  const value = family === 4 ? v4(address) : v6(address);
  const hostBits = BigInt(bits) - prefix;
  const first = (value >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n };
}

export function contains(range: IpInterval, ip: { family: IpFamily; value: bigint }): boolean {
  return range.family === ip.family && ip.value >= range.first && ip.value <= range.last;
}

function v4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6(text: string): bigint {
  let head = text;
  let tail32: bigint | undefined;
  // Trailing dotted quad (`::ffff:10.0.0.1`, `64:ff9b::1.2.3.4`).
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail32 = v4(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const leftParts = left ? left.split(':') : [];
  const rightParts = right ? right.split(':') : [];
  const missing = 8 - leftParts.length - rightParts.length;
  const groups = right === undefined ? leftParts : [...leftParts, ...Array<string>(missing).fill('0'), ...rightParts];
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail32 !== undefined) value = ((value >> 32n) << 32n) | tail32;
  return value;
}
