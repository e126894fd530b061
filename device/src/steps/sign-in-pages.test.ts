import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readForm } from './sign-in-pages.js';

const PAGE = 'https://baton.example/tenant-1/oauth2/v2.0/devicelogin';

test("a sign-in page's form: its action resolved against the page, its sealed state unescaped", () => {
  const html = '<form method="post" action="/tenant-1/oauth2/v2.0/authorize/mfa">\n<input type="hidden" name="ctx" value="a&amp;b&quot;c">';
  assert.deepEqual(readForm(html, PAGE), { action: 'https://baton.example/tenant-1/oauth2/v2.0/authorize/mfa', ctx: 'a&b"c' });
  assert.deepEqual(readForm('<p role="status">You\'re signed in</p>', PAGE), {});
  assert.deepEqual(readForm('<form method="post" action="http://[">', PAGE), {}, 'an action that is no URL is no form');
});

test('any page, however hostile, reads as a form or as none, never as an exception', () => {
  const fragments = fc.constantFrom('<form method="post" action="', '"', '>', 'name="ctx" value="', '&amp;', '&quot;', 'http://[', '//evil.example/x', ' ', '/p');
  fc.assert(
    fc.property(fc.array(fc.oneof(fragments, fc.string({ maxLength: 12 })), { maxLength: 20 }), (parts) => {
      const form = readForm(parts.join(''), PAGE);
      if (form.action) assert.doesNotThrow(() => new URL(form.action!));
    }),
  );
});
