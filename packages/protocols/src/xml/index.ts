export { parseXml, DEFAULT_MAX_XML_BYTES, type ParseXmlOptions } from './parse.js';
export { escapeXml, escapeXmlAttr, isXmlSafe } from './escape.js';
export { decodeXmlEntities } from './entities.js';
export { serializeNodes } from './serialize.js';
export { attr, child, childText, elements, isElement, path, textOf, type XmlElement, type XmlNode, type XmlText } from './tree.js';
