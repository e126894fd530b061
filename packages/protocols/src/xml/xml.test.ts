import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolParseError } from '../errors.js';
import { xmlText } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { escapeXml, escapeXmlAttr } from './escape.js';
import { parseXml } from './parse.js';
import { serializeNodes } from './serialize.js';
import { attr, child, textOf } from './tree.js';

test('escaped text and attributes come back unchanged', () => {
  fc.assert(
    fc.property(xmlText(200), xmlText(60), (text, value) => {
      const root = parseXml(`<r a="${escapeXmlAttr(value)}">${escapeXml(text)}</r>`);
      assert.equal(textOf(root), text);
      assert.equal(attr(root, 'a'), value);
    }),
    { numRuns: 500 },
  );
});

test('escapers refuse characters XML cannot carry', () => {
  assert.throws(() => escapeXml('a\u0001'), RangeError);
  assert.throws(() => escapeXmlAttr('\uD800'), RangeError);
  assert.equal(escapeXml('😀'), '😀');
});

test('namespace prefixes are stripped, order and CDATA kept, BOM tolerated', () => {
  const root = parseXml('\uFEFF<?xml version="1.0" encoding="utf-8"?><p:a xmlns:p="urn:x"><p:b k="1"/><c><![CDATA[<&>]]>&amp;</c><!-- note --><p:b k="2"/></p:a>');
  assert.equal(root.name, 'a');
  assert.deepStrictEqual(root.children.map((n) => ('name' in n ? `${n.name}${n.attrs.k ?? ''}` : 'text')), ['b1', 'c', 'b2']);
  assert.equal(textOf(child(root, 'c')!), '<&>&');
  assert.equal(serializeNodes(root.children), '<b k="1"/><c>&lt;&amp;&gt;&amp;</c><b k="2"/>');
});

test('rejections are typed', () => {
  rejectsWith('xml.dtd', () => parseXml('<!DOCTYPE a><a/>'));
  rejectsWith('xml.dtd', () => parseXml('<a/><!ENTITY x "y">'));
  rejectsWith('xml.entity', () => parseXml('<a>&nbsp;</a>'));
  rejectsWith('xml.entity', () => parseXml('<a>&#0;</a>'));
  rejectsWith('xml.entity', () => parseXml('<a b="&#xD800;"/>'));
  rejectsWith('xml.malformed', () => parseXml('<a><b></a>'));
  rejectsWith('xml.malformed', () => parseXml('<a/><b/>'));
  rejectsWith('xml.malformed', () => parseXml('<a/>tail'));
  rejectsWith('xml.malformed', () => parseXml('<__proto__/>'));
  rejectsWith('xml.size', () => parseXml('<a/>', { maxBytes: 3 }));
  rejectsWith('xml.size', () => parseXml(`<a>${'é'.repeat(60)}</a>`, { maxBytes: 100 }));
  rejectsWith('xml.type', () => parseXml(undefined as unknown as string));
  rejectsWith('xml.depth', () => parseXml(`${'<a>'.repeat(70)}${'</a>'.repeat(70)}`));
  assert.equal(parseXml(`${'<a>'.repeat(70)}${'</a>'.repeat(70)}`, { maxDepth: 80 }).name, 'a');
});

test('arbitrary input never throws anything but ProtocolParseError', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => onlyParseErrors(() => parseXml(s))), { numRuns: 2000 });
  assert.ok(new ProtocolParseError('x', 'y') instanceof Error);
});

test('characters XML 1.0 forbids are refused at parse time, so nothing parsed is unwritable', () => {
  for (const bad of ['\u0001', '\uffff', '\ud800']) {
    assert.throws(() => parseXml(`<a>x${bad}y</a>`), (e: unknown) => e instanceof ProtocolParseError && e.code === 'xml.char');
  }
  assert.equal(textOf(parseXml('<a>tab\there</a>')), 'tab\there');
});
