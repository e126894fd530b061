import { fail } from '../errors.js';
import { isXmlSafe } from './escape.js';
import { readDocument } from './reader.js';
import type { XmlElement } from './tree.js';

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
  return readDocument(doc, maxDepth);
}
