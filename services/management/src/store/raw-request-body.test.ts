import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressRawBody, decompressRawBody } from './raw-request-body.js';

test('a stored raw request reads back exactly, whatever its size and characters', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 4000 }), fc.string({ unit: 'grapheme', minLength: 20000, maxLength: 40000 })), (body) => {
      const stored = compressRawBody(body);
      assert.equal(decompressRawBody(stored), body);
      // Plain gunzip with zlib's defaults reads it: nothing but Baton's own reader is needed.
      assert.equal(gunzipSync(Buffer.from(stored, 'base64')).toString('utf8'), body);
    }),
    { numRuns: 200 },
  );
});

test('a poll-sized body compresses as well as with zlib\'s default window', () => {
  const poll = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><SessionID>1F</SessionID><MsgID>1</MsgID></SyncHdr><SyncBody>${'<Item><Source><LocURI>./DevInfo/Man</LocURI></Source><Data>Contoso</Data></Item>'.repeat(12)}<Final/></SyncBody></SyncML>`;
  const stored = Buffer.from(compressRawBody(poll), 'base64').length;
  assert.ok(stored <= gzipSync(poll).length + 8, `${stored} bytes against ${gzipSync(poll).length}`);
});
