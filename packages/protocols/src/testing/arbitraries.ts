import fc from 'fast-check';
import { isXmlSafe } from '../xml/escape.js';

/** Any text XML can carry, whitespace and markup characters included. */
export const xmlText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme', maxLength }).filter(isXmlSafe);

/** Text as a parser hands back a trimmed field: no leading or trailing whitespace. */
export const xmlToken = (maxLength = 30): fc.Arbitrary<string> => xmlText(maxLength).map((s) => s.trim());

export const nonEmptyToken = (maxLength = 30): fc.Arbitrary<string> =>
  xmlToken(maxLength).filter((s) => s.length > 0);

export const digits = (): fc.Arbitrary<string> => fc.integer({ min: 0, max: 2 ** 31 }).map(String);

/** Flips, inserts or deletes characters; used to derive hostile inputs from valid ones. */
export const mutated = (valid: string): fc.Arbitrary<string> =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: Math.max(0, valid.length) }),
        op: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
        text: fc.constantFrom('<', '>', '&', '"', '/', '<!DOCTYPE x>', '<!ENTITY a "b">', '&a;', ']]>', '<![CDATA[', '</', 'x', '\u0000', '<Final/>', '<CmdID>x</CmdID>'),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let s = valid;
      for (const e of edits) {
        const at = Math.min(e.at, s.length);
        if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + 1 + (e.at % 7));
        else if (e.op === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
        else if (e.op === 'replace') s = s.slice(0, at) + e.text + s.slice(at + e.text.length);
        else s = s.slice(0, at);
      }
      return s;
    });
