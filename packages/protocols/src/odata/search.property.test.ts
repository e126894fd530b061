import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mutated } from '../testing/arbitraries.js';
import { formatSearch, ODataError, parseSearch, searchTokens, searchTokensMatch, type SearchNode, type ParseSearchOptions } from './index.js';

const propertyName = fc.constantFrom('displayName', 'mail', 'userPrincipalName', 'x_1', 'A', '_');
// Characters that matter to the syntax (quotes, escapes, colons, parentheses, keywords' letters) and some that do not.
const textUnit = fc.constantFrom(...'aZ0 :()"\\ANDOR-._%\t李é'.split(''));
const text = fc.string({ unit: textUnit, minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0);

const term: fc.Arbitrary<SearchNode> = fc.oneof(
  fc.tuple(propertyName, text).map(([property, t]): SearchNode => ({ kind: 'term', property, text: t })),
  // Without a property only when the text cannot be read as one, which needs no colon.
  text.filter((t) => !t.includes(':')).map((t): SearchNode => ({ kind: 'term', text: t })),
);

const anySearch: fc.Arbitrary<SearchNode> = fc.letrec<{ node: SearchNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    term,
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node')).map(([kind, left, right]): SearchNode => ({ kind, left, right })),
  ),
})).node;

function onlyODataErrors(input: string, options?: ParseSearchOptions): void {
  try {
    parseSearch(input, options);
  } catch (error) {
    if (!(error instanceof ODataError)) throw error;
    assert.equal(error.option, '$search');
    assert.ok(error.position >= 0 && error.position <= Math.max(input.length, options?.maxLength ?? 2048), `position ${error.position} outside input`);
  }
}

test('printing a random search and parsing it back gives the same tree', () => {
  fc.assert(
    fc.property(anySearch, (node) => {
      const printed = formatSearch(node);
      assert.deepEqual(parseSearch(printed, { maxLength: Infinity, maxDepth: 100 }), node, printed);
    }),
    { numRuns: 2000 },
  );
});

test('random strings either parse or fail with ODataError', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => onlyODataErrors(s)), { numRuns: 3000 });
  const alphabet = fc.constantFrom(...' ()":\\ANDORnotNOTandor displayName:jo'.split(''));
  fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 60 }), (s) => onlyODataErrors(s)), { numRuns: 5000 });
});

test('mutated valid searches either parse or fail with ODataError', () => {
  const edits = fc.array(fc.record({ at: fc.nat(), insert: fc.constantFrom('"', '\\', '(', ')', ' AND ', ' OR ', ':', '', 'NOT ') }), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(anySearch, edits, (node, changes) => {
      let s = formatSearch(node);
      for (const { at, insert } of changes) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + insert + s.slice(i + (insert === '' ? 1 : 0));
      }
      onlyODataErrors(s, { maxLength: Infinity });
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(anySearch.chain((node) => mutated(formatSearch(node))), (s) => onlyODataErrors(s, { maxLength: Infinity })), { numRuns: 1000 });
});

test('very long and deeply nested inputs fail fast with ODataError', () => {
  const started = performance.now();
  for (const input of [
    '('.repeat(100_000),
    `${'('.repeat(100_000)}"a:b"${')'.repeat(100_000)}`,
    `"a:${'\\"'.repeat(200_000)}`,
    `"a:${'\\\\'.repeat(200_000)}"`,
    `${'"a:b" OR '.repeat(50_000)}`,
    `${'"a:b" AND '.repeat(50_000)}"a:b"`,
    'x'.repeat(1_000_000),
    '"'.repeat(1_000_001),
    `"a:${'x'.repeat(1_000_000)}`,
  ]) {
    onlyODataErrors(input);
    onlyODataErrors(input, { maxLength: Infinity, maxDepth: Infinity });
  }
  assert.ok(performance.now() - started < 10_000, 'hostile inputs take linear time');
});

test('search words are lower case, free of spaces, each once, and every value finds itself', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })), (value) => {
      const words = searchTokens(value);
      assert.equal(new Set(words).size, words.length);
      for (const w of words) {
        assert.ok(w.length > 0);
        assert.equal(w, w.toLowerCase());
        assert.doesNotMatch(w, /\s/u);
      }
      assert.equal(searchTokensMatch(value, value), words.length > 0);
    }),
    { numRuns: 3000 },
  );
});

test('the beginning of any word of a value finds the value, wherever the word stands', () => {
  const word = fc.oneof(fc.stringMatching(/^[A-Z]?[a-z]{1,6}$/), fc.stringMatching(/^[0-9]{1,4}$/), fc.constantFrom('李四', 'Zoë', 'ÅSA'));
  const separator = fc.constantFrom(' ', '  ', '-', '.', "'", ' (', ') ', '_', '\t');
  const value = fc.array(fc.tuple(word, separator), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(value, fc.nat(), fc.nat(), (parts, which, length) => {
      const text = parts.map(([w, sep]) => w + sep).join('');
      const chosen = parts[which % parts.length]![0];
      const prefix = chosen.slice(0, 1 + (length % chosen.length));
      assert.ok(searchTokensMatch(text, prefix), `${JSON.stringify(prefix)} in ${JSON.stringify(text)}`);
      assert.ok(searchTokensMatch(text, prefix.toUpperCase()), 'ignoring case');
    }),
    { numRuns: 3000 },
  );
});

test('more words in a value never lose a match', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 8 }), (value, more, searched) => {
      if (searchTokensMatch(value, searched)) assert.ok(searchTokensMatch(`${value} ${more}`, searched));
    }),
    { numRuns: 3000 },
  );
});
