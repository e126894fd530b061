import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mutated, xmlText } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { decodeXmlEntities } from './entities.js';
import { escapeXml, escapeXmlAttr } from './escape.js';
import { parseXml } from './parse.js';
import { isElement, type XmlElement, type XmlNode } from './tree.js';

// A document is generated as a tree plus the syntax choices a peer may make (prefixes,
// quotes, whitespace inside tags, comments, CDATA, character references), written out, and
// must read back as the same tree.
interface Spec {
  readonly prefix: string;
  readonly name: string;
  readonly attrs: ReadonlyArray<{ prefix: string; name: string; value: string; quote: '"' | "'"; space: string }>;
  readonly children: ReadonlyArray<Spec | { text: string; as: 'text' | 'cdata' | 'refs' } | { comment: string }>;
  readonly tagSpace: string;
}

const localNames = fc.constantFrom('SyncML', 'Item', 'Data', 'Envelope', 'a', 'b-c', 'd.e', '_f', 'Gé', '中文', 'toString');
const prefixes = fc.constantFrom('', '', 's:', 'wsse:', 'a1:');
const spaces = fc.constantFrom('', ' ', '\n  ', '\t', '\r\n');

// Unicode at large, and the characters markup is made of, whitespace included.
const texts = fc.oneof(xmlText(30), fc.array(fc.constantFrom(' ', '\n', '\t', '\r', '<', '>', '&', '"', "'", 'a', ']]', '-', 'é'), { maxLength: 12 }).map((a) => a.join('')));

const leaf = fc.oneof(
  fc.record({ text: texts, as: fc.constantFrom('text' as const, 'cdata' as const, 'refs' as const) }).filter((t) => t.as !== 'cdata' || !t.text.includes(']]>')),
  fc.record({ comment: texts.filter((c) => !c.includes('--') && !c.endsWith('-')) }),
);

const spec: fc.Memo<Spec> = fc.memo((depth) =>
  fc.record({
    prefix: prefixes,
    name: localNames,
    attrs: fc.uniqueArray(fc.record({ prefix: prefixes, name: localNames, value: texts, quote: fc.constantFrom('"' as const, "'" as const), space: spaces }), { maxLength: 3, selector: (a) => a.name }),
    children: depth <= 1 ? fc.array(leaf, { maxLength: 3 }) : fc.array(fc.oneof(leaf, spec(depth - 1)), { maxLength: 4 }),
    tagSpace: spaces,
  }),
);

function asReferences(text: string): string {
  let out = '';
  for (const ch of text) out += ch === ' ' ? ' ' : `&#x${ch.codePointAt(0)!.toString(16)};`;
  return out;
}

function write(node: Spec): string {
  const qname = `${node.prefix}${node.name}`;
  let open = `<${qname}`;
  if (node.prefix) open += ` xmlns:${node.prefix.slice(0, -1)}='urn:x'`;
  for (const a of node.attrs) {
    const value = a.quote === '"' ? escapeXmlAttr(a.value) : escapeXmlAttr(a.value).replace(/'/g, '&apos;');
    open += ` ${a.prefix}${a.name}${a.space}=${a.space}${a.quote}${value}${a.quote}`;
  }
  open += node.tagSpace;
  if (node.children.length === 0) return `${open}/>`;
  let body = '';
  for (const c of node.children) {
    if ('comment' in c) body += `<!--${c.comment}-->`;
    else if ('text' in c) body += c.as === 'cdata' ? `<![CDATA[${c.text}]]>` : c.as === 'refs' ? asReferences(c.text) : escapeXml(c.text);
    else body += write(c);
  }
  return `${open}>${body}</${qname}${node.tagSpace}>`;
}

/**
 * The tree a reader should give: adjacent text merged, comments gone, empty text dropped, and
 * line ends written literally (CDATA) read as "\n"; escaped ones (&#13;) survive.
 */
function expected(node: Spec): XmlElement {
  const text = (c: { text: string; as: string }) => ({ text: c.as === 'cdata' ? c.text.replace(/\r\n?/g, '\n') : c.text });
  return { name: node.name, attrs: Object.fromEntries(node.attrs.map((a) => [a.name, a.value])), children: merged(node.children.flatMap((c): XmlNode[] => ('comment' in c ? [] : 'text' in c ? [text(c)] : [expected(c)]))) };
}

function merged(nodes: readonly XmlNode[]): XmlNode[] {
  const out: XmlNode[] = [];
  for (const node of nodes) {
    const last = out[out.length - 1];
    if (!isElement(node) && last && !isElement(last)) out[out.length - 1] = { text: last.text + node.text };
    else out.push(isElement(node) ? { ...node, children: merged(node.children) } : node);
  }
  return out.filter((n) => isElement(n) || n.text !== '');
}

test('every tree written in any of the syntaxes a peer may use reads back as that tree', () => {
  fc.assert(
    fc.property(spec(4), fc.constantFrom('', '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0'?>\n", '\uFEFF'), spaces, (tree, prolog, trailing) => {
      const root = parseXml(`${prolog}${write(tree)}${trailing}`);
      assert.deepStrictEqual(merged([root])[0], expected(tree));
    }),
    { numRuns: 400 },
  );
});

// A reader no one here wrote, as a second opinion on the same documents' structure; references
// are resolved with Baton's own decoder, which the first test checks against the writer.
const independent = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: false, htmlEntities: false, cdataPropName: '#cdata', ignoreDeclaration: true, ignorePiTags: true, commentPropName: false as unknown as string });

function independentTree(list: unknown): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of list as Array<Record<string, unknown>>) {
    for (const [key, value] of Object.entries(item)) {
      if (key === ':@') continue;
      if (key === '#text') out.push({ text: decodeXmlEntities(String(value)) });
      else if (key === '#cdata') out.push({ text: (value as Array<{ '#text': string }>).map((p) => p['#text']).join('') });
      else {
        const attrs = Object.fromEntries(Object.entries((item[':@'] as Record<string, string> | undefined) ?? {}).filter(([k]) => k !== '').map(([k, v]) => [k, decodeXmlEntities(v)]));
        out.push({ name: key, attrs, children: independentTree(value) });
      }
    }
  }
  return out;
}

test('an independent XML reader reads the same documents the same way', () => {
  // That reader renames elements called toString.
  const plain = spec(3).filter((tree) => !JSON.stringify(tree).includes('"name":"toString"'));
  fc.assert(
    fc.property(plain, (tree) => {
      const doc = write(tree);
      assert.equal(XMLValidator.validate(doc), true);
      assert.deepStrictEqual(merged([parseXml(doc)])[0], merged(independentTree(independent.parse(doc)))[0]);
    }),
    { numRuns: 300 },
  );
});

test('damaged documents are refused with a ProtocolParseError, never anything else', () => {
  fc.assert(
    fc.property(spec(3).chain((tree) => mutated(`<?xml version="1.0"?>${write(tree)}`)), (doc) => onlyParseErrors(() => parseXml(doc))),
    { numRuns: 2000 },
  );
});

test('what XML 1.0 and namespaces call not well-formed is refused, named', () => {
  const malformed = [
    '<a><!-- a -- b --></a>', // "--" inside a comment
    '<a><!-- a ---></a>',
    '<a b="1"c="2"/>', // no space between attributes
    '<a b=1/>',
    '<a b="1" b="2"/>',
    '<a b="x<y"/>',
    '<a b/>',
    '<a><![CDATA[x</a>',
    '<a><b></a></b>',
    '<a></a >x',
    '<a>',
    '</a>',
    '<a:b:c/>',
    '<a x:y:z="1"/>',
    '<:a/>',
    '<xmlns:a/>',
    '<a/><?xml version="1.0"?>',
    '<?xml version"1.0"?><a/>',
    '<?xml encoding="utf-8" version="1.0"?><a/>',
    '<?XML version="1.0"?><a/>',
    '<a><?pi?x?></a>',
    '<a></b>',
    '<1a/>',
    '<a constructor="x"/>',
    '<p:__proto__/>',
    '<![CDATA[x]]><a/>',
    '',
    '   ',
  ];
  for (const doc of malformed) assert.throws(() => parseXml(doc), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'xml.malformed', doc);
  rejectsWith('xml.entity', () => parseXml('<a b="&bogus;"/>'));
  rejectsWith('xml.entity', () => parseXml('<a xmlns:p="&x"/>'));
  rejectsWith('xml.dtd', () => parseXml('<a><![INCLUDE[x]]></a>'));
  rejectsWith('xml.depth', () => parseXml(`${'<a>'.repeat(64)}<b/>${'</a>'.repeat(64)}`));
});

test('what peers send that is still well-formed reads as it should', () => {
  const root = parseXml(' \r\n<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- hi --><?pi data?><s:E xmlns:s="u" xmlns="v" s:k = \'a&apos;b\' k2="&#x1F600;&#65;">x<![CDATA[]]>y<?pi?></s:E >\n');
  assert.deepStrictEqual(root, { name: 'E', attrs: { k: "a'b", k2: '😀A' }, children: [{ text: 'x' }, { text: '' }, { text: 'y' }] });
  assert.equal(parseXml(`${'<a>'.repeat(63)}<b/>${'</a>'.repeat(63)}`).name, 'a');
  assert.equal(parseXml('<a>]]&gt;&lt;/a&gt;</a>').children.length, 1);
  assert.deepStrictEqual(parseXml('<a k="1\r\n2">x\r\ny\rz&#13;</a>'), { name: 'a', attrs: { k: '1\n2' }, children: [{ text: 'x\ny\nz\r' }] });
});
