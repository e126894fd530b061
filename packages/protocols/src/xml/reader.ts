import { fail } from '../errors.js';
import { decodeXmlEntities } from './entities.js';
import type { XmlElement, XmlNode } from './tree.js';

// XML 1.0 (fifth edition) Name production, §2.3; the `u` flag lets the last range cover
// characters outside the BMP. Sticky, so a name is matched where the reader stands.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
// eslint-disable-next-line no-misleading-character-class -- the spec's NameChar ranges include combining marks; with `u` each is one code point
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'uy');

// XML 1.0 §2.8: version, then optionally encoding and standalone, in that order.
const DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1([ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?([ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(yes|no)\5)?[ \t\r\n]*\?>$/;

// Names that would reach into Object.prototype if a consumer ever indexed by them.
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

interface OpenElement {
  readonly qname: string;
  readonly element: { name: string; attrs: Record<string, string>; children: XmlNode[] };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isAllSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Namespace prefixes are dropped: `s:Envelope` is `Envelope`, whatever `s` is bound to. */
function localName(qname: string): string {
  const colon = qname.indexOf(':');
  if (colon < 0) return qname;
  if (colon === 0 || colon === qname.length - 1 || qname.indexOf(':', colon + 1) >= 0) fail('xml.malformed', `"${qname.slice(0, 64)}" is not a namespace-qualified name`);
  return qname.slice(colon + 1);
}

function isNamespaceDeclaration(qname: string): boolean {
  return qname === 'xmlns' || qname.startsWith('xmlns:');
}

/**
 * One pass over a document that has already passed parseXml's checks (size, characters, no
 * markup declarations): elements, attributes, text, CDATA, comments and processing
 * instructions, with every well-formedness rule the protocols here can meet enforced on the
 * way, line ends normalised. Entities are never expanded; only the five predefined ones and character references
 * are resolved, by {@link decodeXmlEntities}.
 */
export function readDocument(document: string, maxDepth: number): XmlElement {
  // XML 1.0 §2.11: a reader sees every line end as one "\n" (a "\r" that must survive is sent as &#13;).
  const src = document.includes('\r') ? document.replace(/\r\n?/g, '\n') : document;
  const length = src.length;
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;

  const nameAt = (at: number): string => {
    NAME.lastIndex = at;
    const match = NAME.exec(src);
    if (!match) fail('xml.malformed', `expected a name at offset ${at}`);
    return match[0];
  };
  const skipSpace = (at: number): number => {
    while (at < length && isSpace(src.charCodeAt(at))) at++;
    return at;
  };
  const addChild = (node: XmlNode): void => {
    stack[stack.length - 1]!.element.children.push(node);
  };

  while (pos < length) {
    const lt = src.indexOf('<', pos);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > pos) {
      const raw = src.slice(pos, textEnd);
      if (stack.length === 0) {
        if (!isAllSpace(raw)) fail('xml.malformed', 'text outside the root element');
      } else {
        addChild({ text: decodeXmlEntities(raw) });
      }
    }
    if (lt < 0) break;

    const next = src.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (src.startsWith('<!--', lt)) {
        const close = src.indexOf('--', lt + 4);
        if (close < 0 || src.charCodeAt(close + 2) !== 0x3e) fail('xml.malformed', 'unterminated comment, or "--" inside one');
        pos = close + 3;
      } else if (src.startsWith('<![CDATA[', lt)) {
        if (stack.length === 0) fail('xml.malformed', 'CDATA outside the root element');
        const close = src.indexOf(']]>', lt + 9);
        if (close < 0) fail('xml.malformed', 'unterminated CDATA section');
        addChild({ text: src.slice(lt + 9, close) });
        pos = close + 3;
      } else {
        fail('xml.dtd', 'DOCTYPE and other markup declarations are not accepted');
      }
    } else if (next === 0x3f /* ? */) {
      const target = nameAt(lt + 2);
      const close = src.indexOf('?>', lt + 2 + target.length);
      if (close < 0) fail('xml.malformed', 'unterminated processing instruction');
      if (close > lt + 2 + target.length && !isSpace(src.charCodeAt(lt + 2 + target.length))) fail('xml.malformed', 'malformed processing instruction');
      // The declaration may only open the document (leading whitespace is tolerated, as clients send it).
      if (target.toLowerCase() === 'xml' && (target !== 'xml' || root || stack.length > 0 || !isAllSpace(src.slice(0, lt)))) {
        fail('xml.malformed', 'the XML declaration may only open the document');
      }
      if (target === 'xml' && !DECLARATION.test(src.slice(lt, close + 2))) fail('xml.malformed', 'malformed XML declaration');
      pos = close + 2;
    } else if (next === 0x2f /* / */) {
      const qname = nameAt(lt + 2);
      const gt = skipSpace(lt + 2 + qname.length);
      if (src.charCodeAt(gt) !== 0x3e) fail('xml.malformed', `malformed end tag </${qname.slice(0, 64)}`);
      const open = stack.pop();
      if (!open || open.qname !== qname) fail('xml.malformed', `end tag </${qname.slice(0, 64)}> does not match the open element`);
      if (stack.length === 0) root = open.element;
      pos = gt + 1;
    } else {
      if (root && stack.length === 0) fail('xml.malformed', 'more than one root element');
      const qname = nameAt(lt + 1);
      const name = localName(qname);
      if (RESERVED_NAMES.has(name) || isNamespaceDeclaration(qname)) fail('xml.malformed', `"${qname}" cannot name an element`);
      const attrs: Record<string, string> = {};
      // A Set: a 1 MiB start tag can carry 100,000 attributes, and a list made that quadratic.
      const seen = new Set<string>();
      let at = lt + 1 + qname.length;
      let selfClosing = false;
      for (;;) {
        const afterSpace = skipSpace(at);
        const code = src.charCodeAt(afterSpace);
        if (code === 0x3e /* > */) {
          at = afterSpace + 1;
          break;
        }
        if (code === 0x2f /* / */ && src.charCodeAt(afterSpace + 1) === 0x3e) {
          at = afterSpace + 2;
          selfClosing = true;
          break;
        }
        if (afterSpace === at) fail('xml.malformed', `malformed start tag <${qname.slice(0, 64)}`);
        const attrQname = nameAt(afterSpace);
        let cursor = skipSpace(afterSpace + attrQname.length);
        if (src.charCodeAt(cursor) !== 0x3d /* = */) fail('xml.malformed', `attribute ${attrQname.slice(0, 64)} has no value`);
        cursor = skipSpace(cursor + 1);
        const quote = src.charCodeAt(cursor);
        if (quote !== 0x22 && quote !== 0x27) fail('xml.malformed', `attribute ${attrQname.slice(0, 64)} is not quoted`);
        const close = src.indexOf(quote === 0x22 ? '"' : "'", cursor + 1);
        if (close < 0) fail('xml.malformed', `attribute ${attrQname.slice(0, 64)} is not closed`);
        const raw = src.slice(cursor + 1, close);
        if (raw.includes('<')) fail('xml.malformed', `"<" in the value of attribute ${attrQname.slice(0, 64)}`);
        if (seen.has(attrQname)) fail('xml.malformed', `attribute ${attrQname.slice(0, 64)} is repeated`);
        seen.add(attrQname);
        const value = decodeXmlEntities(raw);
        if (!isNamespaceDeclaration(attrQname)) {
          const attrName = localName(attrQname);
          if (RESERVED_NAMES.has(attrName)) fail('xml.malformed', `"${attrQname}" cannot name an attribute`);
          attrs[attrName] = value;
        }
        at = close + 1;
      }
      if (stack.length >= maxDepth) fail('xml.depth', `document nests deeper than ${maxDepth} elements`);
      const element = { name, attrs, children: [] as XmlNode[] };
      if (stack.length > 0) addChild(element);
      if (!selfClosing) stack.push({ qname, element });
      else if (stack.length === 0) root = element;
      pos = at;
    }
  }

  if (stack.length > 0) fail('xml.malformed', `element <${stack[stack.length - 1]!.qname.slice(0, 64)}> is not closed`);
  if (!root) fail('xml.malformed', 'no root element');
  return root;
}
