import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { onlyParseErrors } from '../testing/assert.js';
import { CsvError } from './errors.js';
import { decodeCsvText, type CsvEncoding } from './decode.js';
import { parseAutopilotCsv } from './parse.js';
import { autopilotCsvText, encodeCsvText, writeAutopilotCsv, type CsvWriteRow } from './write.js';

const HEADER = 'Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User';
/** Unpadded on purpose: 7 bytes of base64 need one `=`. */
const HASH = Buffer.from('OA\u0001\u0002hash').toString('base64').replace(/=+$/, '');
const HASH_PADDED = Buffer.from('OA\u0001\u0002hash').toString('base64');
const LONG_HASH = Buffer.alloc(600, 7).toString('base64');

function timed<T>(fn: () => T): T {
  const start = performance.now();
  const result = fn();
  assert.ok(performance.now() - start < 2000, 'took longer than 2s');
  return result;
}

describe('decodeCsvText', () => {
  test('BOMs name the encoding and are removed', () => {
    const text = `${HEADER}\r\nSN1,,${HASH_PADDED},,\r\n`;
    for (const encoding of ['utf-16le', 'utf-16be', 'utf-8-bom'] as const) {
      const decoded = decodeCsvText(encodeCsvText(text, encoding));
      assert.equal(decoded.encoding, encoding);
      assert.equal(decoded.text, text);
    }
  });

  test('UTF-16LE without a BOM is recognised by its NULs', () => {
    const bytes = encodeCsvText(`${HEADER}\r\nSN1,,${HASH_PADDED}\r\n`, 'utf-16le').subarray(2);
    assert.deepEqual(decodeCsvText(bytes), { text: `${HEADER}\r\nSN1,,${HASH_PADDED}\r\n`, encoding: 'utf-16le' });
  });

  test('valid UTF-8 is UTF-8; anything else is read as Windows-1252', () => {
    assert.deepEqual(decodeCsvText(new TextEncoder().encode('Zürich,€')), { text: 'Zürich,€', encoding: 'utf-8' });
    assert.deepEqual(decodeCsvText(Uint8Array.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68, 0x2c, 0x80])), { text: 'Zürich,€', encoding: 'windows-1252' });
  });
});

describe('parseAutopilotCsv', () => {
  test('the documented header, with padding restored and the data rows numbered by file line', () => {
    const parsed = parseAutopilotCsv(`${HEADER}\r\nSN1,,${HASH},Sales,megan@contoso.test\r\nSN2,PKID,${HASH_PADDED},,\r\n\r\n\r\n`);
    assert.equal(parsed.variant, 'standard');
    assert.deepEqual(parsed.header, HEADER.split(','));
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(parsed.rows, [
      { row: 2, serialNumber: 'SN1', productKey: '', hardwareHash: HASH_PADDED, groupTag: 'Sales', assignedUser: 'megan@contoso.test' },
      { row: 3, serialNumber: 'SN2', productKey: 'PKID', hardwareHash: HASH_PADDED, groupTag: '', assignedUser: '' },
    ]);
  });

  test('the optional columns may be left off', () => {
    for (const header of ['Device Serial Number,Windows Product ID,Hardware Hash', 'Device Serial Number,Windows Product ID,Hardware Hash,Group Tag']) {
      const parsed = parseAutopilotCsv(`${header}\nSN1,,${HASH}\n`);
      assert.equal(parsed.variant, 'standard');
      assert.equal(parsed.rows.length, 1);
      assert.equal(parsed.rows[0]!.groupTag, '');
    }
  });

  test('a header in other capitals is accepted with a warning', () => {
    const parsed = parseAutopilotCsv(`${HEADER.toLowerCase()}\nSN1,,${HASH}\n`);
    assert.equal(parsed.rows.length, 1);
    assert.equal(parsed.warnings.length, 1);
    assert.match(parsed.warnings[0]!, /case-sensitively/);
  });

  test('the partner header carries manufacturer and model', () => {
    const parsed = parseAutopilotCsv(
      `Device Serial Number,Windows Product ID,Hardware Hash,Manufacturer name,Device model\nSN1,,${HASH},HP,HP EliteBook 840 G11\n`,
    );
    assert.equal(parsed.variant, 'partner');
    assert.deepEqual(parsed.rows[0], {
      row: 2, serialNumber: 'SN1', productKey: '', hardwareHash: HASH_PADDED, groupTag: '', assignedUser: '', manufacturer: 'HP', model: 'HP EliteBook 840 G11',
    });
  });

  test('corporate identifier rows have no header', () => {
    const parsed = parseAutopilotCsv('Microsoft Corporation,Surface Laptop 5,0F1234567890\nLenovo,20XW,PF3ABCDE\n');
    assert.equal(parsed.variant, 'corporateIdentifier');
    assert.equal(parsed.header, null);
    assert.deepEqual(parsed.rows.map((r) => [r.row, r.manufacturer, r.model, r.serialNumber]), [
      [1, 'Microsoft Corporation', 'Surface Laptop 5', '0F1234567890'],
      [2, 'Lenovo', '20XW', 'PF3ABCDE'],
    ]);
  });

  test('quotes from Excel or ConvertTo-Csv are dropped, a quoted comma stays in its field, whitespace is trimmed', () => {
    const parsed = parseAutopilotCsv(
      `"Device Serial Number","Windows Product ID","Hardware Hash","Group Tag","Assigned User"\r"SN1", ,"${HASH}" , "Sales, EMEA" ,\r SN2 ,,${HASH}",,\r`,
    );
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.rows.map((r) => [r.row, r.serialNumber, r.hardwareHash, r.groupTag]), [
      [2, 'SN1', HASH_PADDED, 'Sales, EMEA'],
      [3, 'SN2', HASH_PADDED, ''],
    ]);
  });

  test('rows with the wrong column count are reported as 801 and the rest of the file still parses', () => {
    const parsed = parseAutopilotCsv(`${HEADER}\nSN1,,${HASH}\nSN2\nSN3,,${HASH},a,b,c\n\nSN4,,${HASH},,,,\n`);
    assert.deepEqual(parsed.rows.map((r) => r.row), [2, 6]);
    assert.deepEqual(parsed.errors.map((e) => [e.row, e.code]), [
      [3, 801],
      [4, 801],
    ]);
  });

  test('a hash that is not base64 is passed through for the importer to refuse', () => {
    const parsed = parseAutopilotCsv(`${HEADER}\nSN1,,not*base64,,\n`);
    assert.equal(parsed.rows[0]!.hardwareHash, 'not*base64');
  });

  test('more than 500 rows warns; more than maxRows is refused', () => {
    const body = Array.from({ length: 501 }, (_, i) => `SN${i},,${HASH}`).join('\n');
    const parsed = parseAutopilotCsv(`${HEADER}\n${body}`);
    assert.equal(parsed.rows.length, 501);
    assert.match(parsed.warnings.join(' '), /at most 500/);
    assert.throws(() => parseAutopilotCsv(`${HEADER}\n${body}`, { maxRows: 500 }), (e: unknown) => e instanceof CsvError && e.code === 'csv.too-many-rows');
  });

  test('files that are not Autopilot CSVs are refused as a whole', () => {
    for (const [text, code] of [
      ['', 'csv.empty'],
      ['\r\n \n', 'csv.empty'],
      ['Serial,Hash\nSN1,abc', 'csv.header'],
      [`SN1,,${LONG_HASH}\n`, 'csv.header-missing'],
      [`${HEADER},Extra\n`, 'csv.header'],
    ] as const) {
      assert.throws(() => parseAutopilotCsv(text), (e: unknown) => e instanceof CsvError && e.code === code, JSON.stringify(text));
    }
  });
});

const serial = fc.stringMatching(/^[A-Z0-9]{1,20}$/);
const hash = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b).toString('base64'));
const ascii = (max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9 ._@-]{0,${max}}$`)).map((s) => s.trim());
/** Only characters at 0xC0 and above, so Windows-1252 bytes of them are never valid UTF-8. */
const latin = fc.array(fc.constantFrom(...'ÄÖÜäöüßéèêçñøåÆ'), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const rowOf = (tag: fc.Arbitrary<string>): fc.Arbitrary<CsvWriteRow> =>
  fc.record({ serialNumber: serial, productKey: fc.constantFrom('', 'PKID1234'), hardwareHash: hash, groupTag: tag, assignedUser: ascii(30) });

describe('round trips', () => {
  const cases: Array<[CsvEncoding, fc.Arbitrary<string>]> = [
    ['utf-16le', fc.oneof(ascii(20), latin, fc.constant('営業部'))],
    ['utf-16be', fc.oneof(ascii(20), latin)],
    ['utf-8-bom', fc.oneof(ascii(20), latin, fc.constant('営業部'))],
    ['utf-8', fc.oneof(latin, fc.constant('営業部'))],
    ['windows-1252', latin],
  ];
  for (const [encoding, tag] of cases) {
    test(`valid files written in ${encoding} read back row for row`, () => {
      fc.assert(
        fc.property(fc.array(rowOf(tag), { minLength: 1, maxLength: 30 }), fc.constantFrom('\r\n', '\n', '\r') as fc.Arbitrary<'\r\n' | '\n' | '\r'>, (rows, lineEnding) => {
          const bytes = writeAutopilotCsv(rows, encoding, { lineEnding });
          const decoded = decodeCsvText(bytes);
          assert.equal(decoded.encoding, encoding);
          assert.equal(decoded.text, autopilotCsvText(rows, { lineEnding }));
          const parsed = parseAutopilotCsv(decoded.text);
          assert.deepEqual(parsed.errors, []);
          assert.deepEqual(
            parsed.rows.map(({ row: _row, ...r }) => r),
            rows.map((r) => ({ ...r, productKey: r.productKey ?? '', groupTag: r.groupTag ?? '', assignedUser: r.assignedUser ?? '' })),
          );
          assert.deepEqual(parsed.rows.map((r) => r.row), rows.map((_, i) => i + 2));
        }),
        { numRuns: 150 },
      );
    });
  }

  test('partner and corporate identifier files read back', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ serialNumber: serial, hardwareHash: hash, manufacturer: ascii(20), model: ascii(20) }), { minLength: 1, maxLength: 20 }), (rows) => {
        const partner = parseAutopilotCsv(decodeCsvText(writeAutopilotCsv(rows, 'utf-16le', { variant: 'partner' })).text);
        assert.equal(partner.variant, 'partner');
        assert.deepEqual(partner.rows.map((r) => [r.serialNumber, r.hardwareHash, r.manufacturer, r.model]), rows.map((r) => [r.serialNumber, r.hardwareHash, r.manufacturer, r.model]));
        const corporate = parseAutopilotCsv(decodeCsvText(writeAutopilotCsv(rows, 'utf-8', { variant: 'corporateIdentifier' })).text);
        assert.equal(corporate.variant, 'corporateIdentifier');
        assert.deepEqual(corporate.rows.map((r) => [r.manufacturer, r.model, r.serialNumber]), rows.map((r) => [r.manufacturer, r.model, r.serialNumber]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('hostile input', () => {
  test('random bytes decode without throwing and parse to a result or a CsvError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        timed(() => onlyParseErrors(() => parseAutopilotCsv(decodeCsvText(bytes).text)));
      }),
      { numRuns: 1000 },
    );
  });

  test('random strings parse to a result or a CsvError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.string({ unit: 'binary', maxLength: 500 })), (s) => {
        timed(() => onlyParseErrors(() => parseAutopilotCsv(s)));
      }),
      { numRuns: 1000 },
    );
  });

  test('CSV-shaped token soup parses to a result or a CsvError', () => {
    const token = fc.constantFrom(HEADER, 'Device Serial Number', 'Hardware Hash', 'Manufacturer name', ',', ',,', '"', '""', '\r\n', '\n', '\r', ' ', 'SN1', HASH, LONG_HASH, '=', '\uFEFF', '\u0000', 'Manufacturer', 'Model', 'Serial');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), fc.integer({ min: 1, max: 50 }), (tokens, maxRows) => {
        timed(() =>
          onlyParseErrors(() => {
            const parsed = parseAutopilotCsv(tokens.join(''), { maxRows, maxFieldLength: 2000 });
            assert.ok(parsed.rows.length <= maxRows);
            for (const e of parsed.errors) assert.equal(e.code, 801);
          }),
        );
      }),
      { numRuns: 1000 },
    );
  });

  test('a very long line and a file of a million blank lines finish quickly', () => {
    timed(() => onlyParseErrors(() => parseAutopilotCsv(`${HEADER}\n${'"a,'.repeat(300_000)}`)));
    timed(() => onlyParseErrors(() => parseAutopilotCsv(`${HEADER}\n${'\r\n'.repeat(1_000_000)}`)));
    timed(() => onlyParseErrors(() => decodeCsvText(new Uint8Array(5_000_000).fill(0x81))));
  });
});
