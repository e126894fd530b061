import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutated } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { buildSyncML } from './build.js';
import { parseSyncML } from './parse.js';
import { syncmlMessage } from '../testing/syncml-arbitraries.js';

function timed(fn: () => void): void {
  const start = performance.now();
  fn();
  assert.ok(performance.now() - start < 2000, 'parse took longer than 2s');
}

test('random strings only ever raise ProtocolParseError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
      timed(() => onlyParseErrors(() => parseSyncML(s)));
    }),
    { numRuns: 1000 },
  );
});

test('random XML-ish token soup only ever raises ProtocolParseError', () => {
  const token = fc.constantFrom('<SyncML>', '</SyncML>', '<SyncHdr>', '</SyncHdr>', '<SyncBody>', '</SyncBody>', '<CmdID>', '</CmdID>', '1', '<Final/>', '<Item>', '</Item>', '<Data>', '</Data>', '&amp;', '&#0;', '&#x110000;', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<Source><LocURI>', '</LocURI></Source>', '<SessionID>1</SessionID>', '<MsgID>1</MsgID>', '<Get>', '</Get>', '<Atomic>', '</Atomic>', ' ', '"', "'", '=', 'xmlns="SYNCML:SYNCML1.2"');
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
      timed(() => onlyParseErrors(() => parseSyncML(tokens.join(''))));
    }),
    { numRuns: 1000 },
  );
});

test('mutations of valid messages only ever raise ProtocolParseError', () => {
  fc.assert(
    fc.property(syncmlMessage.chain((m) => mutated(buildSyncML(m))), (s) => {
      timed(() => onlyParseErrors(() => parseSyncML(s)));
    }),
    { numRuns: 1000 },
  );
});

test('entity expansion payloads are refused before any expansion', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><SyncML><SyncHdr/><SyncBody>&lol2;</SyncBody></SyncML>';
  rejectsWith('xml.dtd', () => parseSyncML(laughs));
  rejectsWith('xml.dtd', () => parseSyncML('<!DOCTYPE x SYSTEM "file:///etc/passwd"><SyncML/>'));
  rejectsWith('xml.entity', () => parseSyncML('<SyncML><SyncHdr>&xxe;</SyncHdr></SyncML>'));
});

test('deep nesting is bounded, not a stack overflow', () => {
  const deep = `<SyncML>${'<Atomic><CmdID>1</CmdID>'.repeat(5000)}${'</Atomic>'.repeat(5000)}</SyncML>`;
  timed(() => onlyParseErrors(() => parseSyncML(deep)));
  assert.throws(() => parseSyncML(deep));
});
