// Characters outside the XML 1.0 Char production cannot be written at all, not even as
// character references, so a builder must refuse them instead of emitting a document that
// every conforming parser rejects.
// eslint-disable-next-line no-control-regex -- matching control characters is the purpose
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isXmlSafe(value: string): boolean {
  return !INVALID_XML_CHAR.test(value);
}

function assertXmlSafe(value: string): void {
  if (INVALID_XML_CHAR.test(value)) {
    throw new RangeError('value contains a character that XML 1.0 cannot represent');
  }
}

/** Escapes element text. `\r` becomes a reference so parsers that normalise line ends keep it. */
export function escapeXml(value: string): string {
  assertXmlSafe(value);
  return value.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/** Escapes an attribute value for double quotes; whitespace is referenced to survive attribute-value normalisation. */
export function escapeXmlAttr(value: string): string {
  assertXmlSafe(value);
  return value.replace(/[&<>"\r\n\t]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case '\r': return '&#13;';
      case '\n': return '&#10;';
      default: return '&#9;';
    }
  });
}

/** `<name>escaped</name>`; the common case for builders. */
export function el(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}
