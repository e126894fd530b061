import { fail } from '../errors.js';

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Resolves the five predefined entities and character references. Anything else is an
 * error: without a DTD no other entity can be declared, so accepting it would mean guessing.
 */
export function decodeXmlEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const amp = raw.indexOf('&', i);
    if (amp < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, amp);
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12) fail('xml.entity', 'unterminated entity reference');
    const ref = raw.slice(amp + 1, semi);
    if (ref.startsWith('#')) {
      const isHex = ref[1] === 'x';
      const digits = isHex ? ref.slice(2) : ref.slice(1);
      if (!(isHex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) fail('xml.entity', 'malformed character reference');
      const cp = parseInt(digits, isHex ? 16 : 10);
      if (!isXmlChar(cp)) fail('xml.entity', 'character reference to a non-XML character');
      out += String.fromCodePoint(cp);
    } else {
      const value = Object.prototype.hasOwnProperty.call(NAMED, ref) ? NAMED[ref] : undefined;
      if (value === undefined) fail('xml.entity', 'undeclared entity reference');
      out += value;
    }
    i = semi + 1;
  }
  return out;
}
