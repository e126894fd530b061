import { isXmlSafe } from './escape.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fail, ProtocolParseError } from '../errors.js';
import { decodeXmlEntities } from './entities.js';
import type { XmlElement, XmlNode } from './tree.js';

export interface ParseXmlOptions {
  /** Upper bound on the UTF-8 size of the document. Default 1 MiB. */
  maxBytes?: number;
  /** Upper bound on element nesting. Default 64. */
  maxDepth?: number;
}

export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;

// Any `<!` that is not a comment or CDATA opens a markup declaration (DOCTYPE, ENTITY,
// ELEMENT, ATTLIST…). None of the protocols here use one, and refusing them up front is the
// simplest way to be sure no entity expansion or external fetch can ever happen.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;

type FxpNode = Record<string, unknown>;

function parserFor(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    cdataPropName: '#cdata',
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });
}

const parsers = new Map<number, XMLParser>();

function rawText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function convertChildren(list: unknown, depth: number, maxDepth: number): XmlNode[] {
  if (depth > maxDepth) fail('xml.depth', 'document nests too deeply');
  if (!Array.isArray(list)) return [];
  const out: XmlNode[] = [];
  for (const item of list as FxpNode[]) {
    for (const key of Object.keys(item)) {
      if (key === ':@') continue;
      const value = item[key];
      if (key === '#text') {
        out.push({ text: decodeXmlEntities(rawText(value)) });
      } else if (key === '#cdata') {
        let cdata = '';
        if (Array.isArray(value)) for (const part of value as FxpNode[]) cdata += rawText(part['#text']);
        out.push({ text: cdata });
      } else if (key.startsWith('#') || key.startsWith('?')) {
        continue;
      } else {
        const attrs: Array<[string, string]> = [];
        const rawAttrs = item[':@'];
        if (rawAttrs && typeof rawAttrs === 'object') {
          for (const [name, v] of Object.entries(rawAttrs as Record<string, unknown>)) {
            attrs.push([name, decodeXmlEntities(rawText(v))]);
          }
        }
        out.push({ name: key, attrs: Object.fromEntries(attrs), children: convertChildren(value, depth + 1, maxDepth) });
      }
    }
  }
  return out;
}

/**
 * Parses a whole document into an {@link XmlElement} tree with namespace prefixes removed.
 * Throws {@link ProtocolParseError} for anything that is not one well-formed, DTD-free document
 * within the size and depth bounds; it never throws anything else.
 */
export function parseXml(xml: string, options: ParseXmlOptions = {}): XmlElement {
  if (typeof xml !== 'string') fail('xml.type', 'input is not a string');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    fail('xml.size', `document exceeds ${maxBytes} bytes`);
  }
  const doc = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  // Characters XML 1.0 forbids would parse here but could never be written back out.
  if (!isXmlSafe(doc)) fail('xml.char', 'the document contains a character XML 1.0 does not allow');
  if (MARKUP_DECLARATION.test(doc)) fail('xml.dtd', 'DOCTYPE and other markup declarations are not accepted');
  // The underlying parser silently drops text after the root element; a document must end in markup.
  if (!doc.trimEnd().endsWith('>')) fail('xml.malformed', 'text after the root element');

  let parsed: unknown;
  try {
    const verdict = XMLValidator.validate(doc);
    if (verdict !== true) fail('xml.malformed', `not well-formed XML: ${verdict.err.msg}`);
    let parser = parsers.get(maxDepth);
    if (!parser) {
      parser = parserFor(maxDepth);
      parsers.set(maxDepth, parser);
    }
    parsed = parser.parse(doc);
  } catch (err) {
    if (err instanceof ProtocolParseError) throw err;
    fail('xml.malformed', `not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }

  let nodes: XmlNode[];
  try {
    nodes = convertChildren(parsed, 0, maxDepth);
  } catch (err) {
    if (err instanceof ProtocolParseError) throw err;
    fail('xml.malformed', 'document could not be converted');
  }
  let root: XmlElement | undefined;
  for (const node of nodes) {
    if ('name' in node) {
      if (root) fail('xml.malformed', 'more than one root element');
      root = node;
    } else if (node.text.trim() !== '') {
      fail('xml.malformed', 'text outside the root element');
    }
  }
  if (!root) fail('xml.malformed', 'no root element');
  return root;
}
