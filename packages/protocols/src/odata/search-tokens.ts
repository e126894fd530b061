/**
 * The words Entra's directory `$search` matches on (learn.microsoft.com/graph/search-query-parameter):
 * a value is split at spaces, at a change from lower to upper case (`HelloWorld` → hello, world;
 * `HELLOworld` stays one word), between letters and digits (`hello123world` → hello, 123, world),
 * and around symbols, each symbol being a word of its own (`hello.world` → hello, ., world). Words
 * joined only by symbols are also kept together (`helloworld`), so `hello-world` is found by either.
 * Words are lower case: matching ignores case. Both the stored value and the searched text are
 * split this way, and a search word matches a value word it is the beginning of.
 */

type CharClass = 'letter' | 'digit' | 'symbol';

const LETTER = /[\p{L}\p{M}]/u;
const DIGIT = /\p{N}/u;
const LOWER = /\p{Ll}/u;
const UPPER = /[\p{Lu}\p{Lt}]/u;

function classOf(c: string): CharClass {
  if (LETTER.test(c)) return 'letter';
  if (DIGIT.test(c)) return 'digit';
  return 'symbol';
}

/** The words of one space-free chunk, in order, followed by its symbol-free join when symbols split it. */
function wordsOf(chunk: string): string[] {
  const words: string[] = [];
  let current = '';
  let previous: { char: string; cls: CharClass } | undefined;
  let alphanumericRuns = 0;
  let sawSymbol = false;
  let joined = '';
  for (const char of chunk) {
    const cls = classOf(char);
    if (cls === 'symbol') {
      if (current) words.push(current);
      current = '';
      words.push(char);
      sawSymbol = true;
      previous = { char, cls };
      continue;
    }
    const splits = previous !== undefined && previous.cls !== 'symbol' && (previous.cls !== cls || (LOWER.test(previous.char) && UPPER.test(char)));
    if (splits && current) {
      words.push(current);
      current = '';
    }
    if (previous === undefined || previous.cls === 'symbol') alphanumericRuns++;
    current += char;
    joined += char;
    previous = { char, cls };
  }
  if (current) words.push(current);
  if (sawSymbol && alphanumericRuns > 1) words.push(joined);
  return words;
}

/** A text's search words, lower case, each once, in the order they first appear. */
export function searchTokens(text: string): string[] {
  const seen = new Set<string>();
  for (const chunk of text.split(/\s+/u)) {
    if (!chunk) continue;
    for (const word of wordsOf(chunk)) seen.add(word.toLowerCase());
  }
  return [...seen];
}

/** Whether every word of `searched` begins some word of `value`, as Entra's tokenized search matches. */
export function searchTokensMatch(value: string, searched: string): boolean {
  const words = searchTokens(value);
  const wanted = searchTokens(searched);
  return wanted.length > 0 && wanted.every((w) => words.some((v) => v.startsWith(w)));
}
