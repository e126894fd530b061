import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { childrenOf, decodeOid, decodeString, readNode, readRoot } from './decode.js';
import * as der from './encode.js';
import { algorithmIdentifier, certificateExtensions, certificateParts, commonNameDer, extension, nameToString, parseCertificationRequest, signedCertificate, tbsCertificate } from './x509.js';

const oidArb = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.nat({ max: 2 ** 40 }), { maxLength: 6 }))
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));

test('OIDs survive encoding and decoding', () => {
  fc.assert(
    fc.property(oidArb, (dotted) => {
      const bytes = der.oid(dotted);
      assert.equal(decodeOid(bytes, readRoot(bytes, der.TAG.oid, 'oid')), dotted);
    }),
  );
  // Known encodings, byte for byte.
  assert.equal(der.oid('1.2.840.113549.1.1.11').toString('hex'), '06092a864886f70d01010b');
  assert.equal(der.oid('2.999.3').toString('hex'), '0603883703');
  // A UUID's OID (X.667's example), whose arc no double holds.
  const uuid = '2.25.329800735698586629295641978511506172918';
  assert.equal(der.oid(uuid).toString('hex'), '06146983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776');
  assert.equal(decodeOid(der.oid(uuid), readNode(der.oid(uuid), 0)), uuid);
});

test('integers are minimal and positive; lengths take the long form only when needed', () => {
  assert.equal(der.unsignedInteger(Buffer.from([0, 0, 0x7f])).toString('hex'), '02017f');
  assert.equal(der.unsignedInteger(Buffer.from([0x80])).toString('hex'), '02020080');
  assert.equal(der.unsignedInteger(Buffer.alloc(3)).toString('hex'), '020100');
  assert.equal(der.smallInteger(2).toString('hex'), '020102');
  assert.equal(der.octetString(Buffer.alloc(127)).subarray(0, 2).toString('hex'), '047f');
  assert.equal(der.octetString(Buffer.alloc(128)).subarray(0, 3).toString('hex'), '048180');
  assert.equal(der.octetString(Buffer.alloc(300)).subarray(0, 4).toString('hex'), '0482012c');
});

test('named bits drop trailing zeros (key usage)', () => {
  assert.equal(der.namedBits([0]).toString('hex'), '03020780');
  assert.equal(der.namedBits([0, 2]).toString('hex'), '030205a0');
  assert.equal(der.namedBits([8]).toString('hex'), '0303070080');
});

test('times: UTCTime through 2049, GeneralizedTime from 2050', () => {
  assert.equal(der.time(new Date('2049-12-31T23:59:59.900Z')).toString('latin1').slice(2), '491231235959Z');
  assert.equal(der.time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2), '20500101000000Z');
});

const tree: fc.Memo<Buffer> = fc.memo((depth) =>
  depth <= 1
    ? fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => der.octetString(b)), oidArb.map(der.oid), fc.string().map(der.utf8String))
    : fc.array(tree(depth - 1), { maxLength: 5 }).map((children) => der.sequence(...children)),
);

test('every value the writer makes reads back as the same children', () => {
  fc.assert(
    fc.property(fc.array(tree(4), { maxLength: 6 }), (children) => {
      const bytes = der.sequence(...children);
      const root = readRoot(bytes, der.TAG.sequence, 'root');
      const read = childrenOf(bytes, root).map((n) => Buffer.from(bytes.subarray(n.start, n.end)));
      assert.deepEqual(read, children);
    }),
  );
});

test('non-DER lengths and overruns are refused with a code', () => {
  rejectsWith('der.length', () => readNode(Buffer.from('0480', 'hex'), 0));
  rejectsWith('der.length', () => readNode(Buffer.from('04817f', 'hex'), 0));
  rejectsWith('der.length', () => readNode(Buffer.from('0482007f', 'hex'), 0));
  rejectsWith('der.truncated', () => readNode(Buffer.from('040301', 'hex'), 0));
  rejectsWith('der.tag', () => readNode(Buffer.from('1f0100', 'hex'), 0));
  rejectsWith('der.trailing', () => readRoot(Buffer.from('300000', 'hex'), der.TAG.sequence, 'x'));
  rejectsWith('der.oid', () => decodeOid(Buffer.from('06028001', 'hex'), readNode(Buffer.from('06028001', 'hex'), 0)));
  rejectsWith('der.oid', () => decodeOid(Buffer.from('060181', 'hex'), readNode(Buffer.from('060181', 'hex'), 0)));
  const endless = Buffer.concat([Buffer.from([0x06, 21, 0x2a]), Buffer.alloc(19, 0xff), Buffer.from([0x7f])]);
  rejectsWith('der.oid', () => decodeOid(endless, readNode(endless, 0)));
});

test('hostile bytes only ever raise ProtocolParseError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      onlyParseErrors(() => parseCertificationRequest(bytes));
      onlyParseErrors(() => certificateParts(bytes));
      onlyParseErrors(() => certificateExtensions(bytes));
      onlyParseErrors(() => {
        const node = readNode(bytes, 0);
        if (node.tag & 0x20) childrenOf(bytes, node);
        decodeString(bytes, node);
      });
    }),
    { numRuns: 2000 },
  );
});

test('a mutated request never parses into something else than a ProtocolParseError or a request', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = der.sequence(der.smallInteger(0), commonNameDer('device'), keys.publicKey.export({ format: 'der', type: 'spki' }), Buffer.from([0xa0, 0]));
  const alg = algorithmIdentifier('1.2.840.10045.4.3.2', 'absent');
  const csr = der.sequence(info, alg, der.bitString(sign('sha256', info, keys.privateKey)));
  const parsed = parseCertificationRequest(csr);
  assert.equal(nameToString(parsed.subject), 'CN=device');
  assert.deepEqual(Buffer.from(parsed.info), info);
  fc.assert(
    fc.property(fc.nat({ max: csr.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const copy = Buffer.from(csr);
      copy[at]! ^= flip;
      onlyParseErrors(() => parseCertificationRequest(copy));
    }),
  );
});

test('a certificate written here is one X509Certificate reads and verifies', () => {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = algorithmIdentifier('1.2.840.10045.4.3.2', 'absent');
  const caName = commonNameDer('Baton "test", CA');
  const tbs = tbsCertificate({
    serialNumber: Buffer.from('00ff01', 'hex'),
    signature: alg,
    issuer: caName,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2060-01-01T00:00:00Z'),
    subject: commonNameDer('dévice-1'),
    spki: leaf.publicKey.export({ format: 'der', type: 'spki' }),
    extensions: [extension('2.5.29.19', true, der.sequence()), extension('2.25.329800735698586629295641978511506172918', false, der.utf8String('x'))],
  });
  const cert = new X509Certificate(signedCertificate(tbs, alg, sign('sha256', tbs, createPrivateKey(ca.privateKey.export({ format: 'pem', type: 'pkcs8' })))));
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.subject, 'CN=dévice-1');
  assert.equal(cert.serialNumber.replace(/^0+/, ''), 'FF01');
  assert.equal(cert.validTo, 'Jan  1 00:00:00 2060 GMT');
  const parts = certificateParts(cert.raw);
  assert.deepEqual(Buffer.from(parts.subject), commonNameDer('dévice-1'));
  assert.deepEqual(Buffer.from(parts.tbs), tbs);
  assert.deepEqual(
    certificateExtensions(cert.raw).map((e) => [e.oid, e.critical, Buffer.from(e.value).toString('hex')]),
    [
      ['2.5.29.19', true, '3000'],
      ['2.25.329800735698586629295641978511506172918', false, '0c0178'],
    ],
  );
});
