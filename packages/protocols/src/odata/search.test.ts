import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSearch, formatSearch, ODataError, parseSearch, searchTokens, searchTokensMatch, type SearchNode } from './index.js';

const term = (property: string, text: string): SearchNode => ({ kind: 'term', property, text });

function rejects(input: string, code: string, position?: number, message?: RegExp) {
  assert.throws(
    () => parseSearch(input),
    (error: unknown) => {
      assert.ok(error instanceof ODataError, String(error));
      assert.equal(error.code, code, `${input}: ${error.message}`);
      assert.equal(error.option, '$search');
      if (position !== undefined) assert.equal(error.position, position, `${input}: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

test('the clauses administrators send', () => {
  assert.deepEqual(parseSearch('"displayName:jo"'), term('displayName', 'jo'));
  assert.deepEqual(parseSearch('"displayName:Mary Jones"'), term('displayName', 'Mary Jones'));
  assert.deepEqual(parseSearch('"displayName:Guthr" OR "mail:Guthr"'), { kind: 'or', left: term('displayName', 'Guthr'), right: term('mail', 'Guthr') });
  assert.deepEqual(parseSearch(' "a:1"  AND\t"b:2" '), { kind: 'and', left: term('a', '1'), right: term('b', '2') });
  assert.deepEqual(parseSearch('"pizza"'), { kind: 'term', text: 'pizza' });
  assert.deepEqual(parseSearch('"url:https://x"'), term('url', 'https://x'), 'only the first colon separates the property');
  assert.deepEqual(parseSearch('"a b:c"'), { kind: 'term', text: 'a b:c' }, 'no property when the part before the colon is not a name');
  assert.deepEqual(parseSearch('"displayName:say \\"hi\\" \\\\o/"'), term('displayName', 'say "hi" \\o/'));
});

test('AND binds tighter than OR; parentheses regroup', () => {
  const [a, b, c] = [term('p', 'a'), term('p', 'b'), term('p', 'c')];
  assert.deepEqual(parseSearch('"p:a" OR "p:b" AND "p:c"'), { kind: 'or', left: a, right: { kind: 'and', left: b, right: c } });
  assert.deepEqual(parseSearch('("p:a" OR "p:b") AND "p:c"'), { kind: 'and', left: { kind: 'or', left: a, right: b }, right: c });
  assert.deepEqual(parseSearch('"p:a" AND ("p:b" OR "p:c")'), { kind: 'and', left: a, right: { kind: 'or', left: b, right: c } });
  assert.deepEqual(parseSearch('((("p:a")))'), a);
  for (const text of ['"p:a" OR "p:b" AND "p:c"', '("p:a" OR "p:b") AND "p:c"', '"p:a" AND ("p:b" OR "p:c")', '"p:a" OR ("p:b" OR "p:c")', '"p:a" AND "p:b" AND "p:c"']) {
    assert.deepEqual(parseSearch(formatSearch(parseSearch(text))), parseSearch(text), text);
  }
});

test('what is refused, with the position that broke it', () => {
  rejects('displayName:jo', 'odata.syntax', 0, /double quotes/);
  rejects('"displayName:jo', 'odata.syntax', 0, /Unterminated/);
  rejects('"displayName:jo" and "mail:x"', 'odata.syntax', 17, /upper case: AND/);
  rejects('"displayName:jo" Or "mail:x"', 'odata.syntax', 17, /upper case: OR/);
  rejects('NOT "displayName:jo"', 'odata.unsupported', 0);
  rejects('"displayName:jo" "mail:x"', 'odata.syntax', 17, /Expected AND, OR/);
  rejects('"displayName:jo" AND', 'odata.syntax', 20, /end of input/);
  rejects('("displayName:jo"', 'odata.syntax', 17, /close the '\('/);
  rejects('"displayName:jo")', 'odata.syntax', 16);
  rejects('()', 'odata.syntax', 1);
  rejects('', 'odata.syntax', 0);
  rejects('""', 'odata.syntax', 0, /empty/);
  rejects('"displayName:"', 'odata.syntax', 0, /no text to search for after 'displayName:'/);
  rejects('"displayName:   "', 'odata.syntax', 0);
  rejects('"displayName:C:\\Temp"', 'odata.syntax', 15, /escape/);
  rejects(`${'('.repeat(40)}"a:b"${')'.repeat(40)}`, 'odata.depth', 32);
  rejects(`"${'x'.repeat(3000)}"`, 'odata.tooLong');
  assert.doesNotThrow(() => parseSearch(`${'('.repeat(40)}"a:b"${')'.repeat(40)}`, { maxDepth: 40 }));
});

test("values split into Entra's search words", () => {
  assert.deepEqual(searchTokens('hello world'), ['hello', 'world']);
  assert.deepEqual(searchTokens('HelloWorld'), ['hello', 'world']);
  assert.deepEqual(searchTokens('helloWORLD'), ['hello', 'world']);
  assert.deepEqual(searchTokens('HELLOworld'), ['helloworld'], 'only lower-to-upper splits');
  assert.deepEqual(searchTokens('HelloWORld'), ['hello', 'world']);
  assert.deepEqual(searchTokens('hello123world'), ['hello', '123', 'world']);
  assert.deepEqual(searchTokens('hello.world'), ['hello', '.', 'world', 'helloworld']);
  assert.deepEqual(searchTokens('Kiosk-01'), ['kiosk', '-', '01', 'kiosk01']);
  assert.deepEqual(searchTokens("O'Brien-Smith"), ['o', "'", 'brien', '-', 'smith', 'obriensmith']);
  assert.deepEqual(searchTokens('李四(David Li)'), ['李四', '(', 'david', '李四david', 'li', ')']);
  assert.deepEqual(searchTokens('  50%\toff  '), ['50', '%', 'off']);
  assert.deepEqual(searchTokens('a-a a'), ['a', '-', 'aa'], 'each word once');
  assert.deepEqual(searchTokens(''), []);
});

test('a search word matches the beginning of a value word, in any order, ignoring case', () => {
  assert.ok(searchTokensMatch('Mary Jones', 'jo'));
  assert.ok(searchTokensMatch('John Smith', 'JO'));
  assert.ok(!searchTokensMatch('Ajoy Kumar', 'jo'), 'not inside a word');
  assert.ok(searchTokensMatch('Mary Jones', 'jones mar'));
  assert.ok(!searchTokensMatch('Mary Jones', 'mary smith'), 'every search word must match');
  assert.ok(searchTokensMatch('OneVideo Team', 'OneVideo'));
  assert.ok(searchTokensMatch('hello-world', 'helloworld'));
  assert.ok(searchTokensMatch('李四(David Li)', '(李四'));
  assert.ok(searchTokensMatch('李四(David Li)', 'Li 李'));
  assert.ok(searchTokensMatch('50% off', '%'));
  assert.ok(!searchTokensMatch('500 units', '%'));
  assert.ok(!searchTokensMatch('anything', '   '), 'a search without words matches nothing');
});

test('evaluating a search: tokenized properties by word, others as startswith, ignoring case', () => {
  const user = { displayName: 'Mary Jones', userPrincipalName: 'mary.jones@contoso.com', accountEnabled: true, mail: null };
  const matches = (text: string) => evaluateSearch(parseSearch(text), user, { tokenized: ['displayName'] });
  assert.ok(matches('"displayName:jo"'));
  assert.ok(matches('"DISPLAYNAME:JO"'), 'property names match ignoring case');
  assert.ok(matches('"userPrincipalName:MARY.J"'));
  assert.ok(!matches('"userPrincipalName:jones"'), 'startswith, not word by word');
  assert.ok(!matches('"mail:m"'));
  assert.ok(!matches('"accountEnabled:t"'));
  assert.ok(!matches('"jo"'));
  assert.ok(matches('"displayName:smith" OR "userPrincipalName:mary"'));
  assert.ok(!matches('"displayName:smith" AND "userPrincipalName:mary"'));
  assert.ok(matches('("displayName:smith" OR "displayName:mary") AND "userPrincipalName:mary"'));
});
