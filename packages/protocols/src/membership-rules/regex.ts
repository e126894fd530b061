/**
 * `-match` patterns run inside the directory for every object on every attribute change, so a pattern
 * that backtracks exponentially would stall membership processing for the whole tenant. JavaScript has
 * no match timeout, so risky shapes are refused up front instead:
 * - patterns longer than MAX_RULE_PATTERN_LENGTH;
 * - backreferences (`\1`, `\k<name>`), which take matching outside regular languages;
 * - a repeated group (`*`, `+`, `{n,}`, `{n,m}` with m > 1) whose body itself repeats or alternates,
 *   e.g. `(a+)+`, `(a*)*`, `(a|aa)+`, `(\w+\s?)*` — the classic catastrophic-backtracking shapes.
 * - more than one repeated "match almost anything" atom (`.`, `\w`, `\s`, `\d`, their negations,
 *   `[^...]`), or two when the pattern is anchored with `^`: an unanchored search is already one loop
 *   over the value, and each overlapping repeat multiplies it (`a.*a.*b` takes ~0.4 s on 1,024
 *   characters in V8, `^a.*a.*b` under 1 ms);
 * - more than MAX_REPEATS repeating quantifiers overall.
 * Overlapping repeats of narrow atoms (`a+a+a+b`) are still polynomial; no syntactic check catches
 * every such case, so the residual cost is bounded only by attribute length limits (at most 1,024
 * characters for Entra string attributes). A linear-time engine would remove it. Patterns use JavaScript syntax (close to .NET's for what rules use) with the `i` flag,
 * because Entra compares case-insensitively, and match anywhere in the value (`-match "ago"` matches
 * "Lagos" in Microsoft's efficiency guide).
 */
export const MAX_RULE_PATTERN_LENGTH = 512;
const MAX_REPEATS = 16;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; reason: string };

interface Group {
  repeats: boolean;
  alternates: boolean;
}

interface Counts {
  broad: number;
  all: number;
}

export function compileRulePattern(pattern: string): RegexCheck {
  if (pattern.length > MAX_RULE_PATTERN_LENGTH) {
    return { ok: false, reason: `is ${pattern.length} characters long; the limit is ${MAX_RULE_PATTERN_LENGTH}` };
  }
  const stack: Group[] = [{ repeats: false, alternates: false }];
  const counts: Counts = { broad: 0, all: 0 };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return { ok: false, reason: 'uses a backreference, which is not allowed' };
      i += 2;
      i = skipQuantifier(pattern, i, stack, counts, /[wWsSdD]/.test(next));
      continue;
    }
    if (c === '[') {
      const negated = pattern[i + 1] === '^';
      i = skipClass(pattern, i);
      i = skipQuantifier(pattern, i, stack, counts, negated);
      continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      i++;
      continue;
    }
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : { repeats: false, alternates: false };
      i++;
      const q = readQuantifier(pattern, i);
      const parent = stack[stack.length - 1];
      if (q && q.repeating && (group.repeats || group.alternates)) {
        return { ok: false, reason: 'repeats a group that itself repeats or has alternatives, which can take exponential time' };
      }
      parent.repeats ||= group.repeats || Boolean(q?.repeating);
      if (q?.repeating) counts.all++;
      if (q) i = q.end;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternates = true;
      i++;
      continue;
    }
    i++;
    i = skipQuantifier(pattern, i, stack, counts, c === '.');
  }
  const broadLimit = pattern.startsWith('^') ? 2 : 1;
  if (counts.broad > broadLimit) {
    return {
      ok: false,
      reason: `repeats wildcards such as .* or \\w+ ${counts.broad} times; at most ${broadLimit} ${broadLimit === 1 ? 'is' : 'are'} allowed${broadLimit === 1 ? ' unless the pattern starts with ^ (a leading or trailing .* is never needed: -match finds the pattern anywhere)' : ''}`,
    };
  }
  if (counts.all > MAX_REPEATS) return { ok: false, reason: `has ${counts.all} repetitions; at most ${MAX_REPEATS} are allowed` };
  try {
    return { ok: true, regex: new RegExp(pattern, 'i') };
  } catch (err) {
    return { ok: false, reason: `is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})` };
  }
}

function skipClass(pattern: string, i: number): number {
  i++;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipQuantifier(pattern: string, i: number, stack: Group[], counts: Counts, broad: boolean): number {
  const q = readQuantifier(pattern, i);
  if (!q) return i;
  if (q.repeating) {
    stack[stack.length - 1].repeats = true;
    counts.all++;
    if (broad) counts.broad++;
  }
  return q.end;
}

function readQuantifier(pattern: string, i: number): { repeating: boolean; end: number } | undefined {
  const c = pattern[i];
  let repeating: boolean;
  let end: number;
  if (c === '*' || c === '+') {
    repeating = true;
    end = i + 1;
  } else if (c === '?') {
    repeating = false;
    end = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    repeating = max > 1;
    end = i + m[0].length;
  } else {
    return undefined;
  }
  if (pattern[end] === '?' || pattern[end] === '+') end++;
  return { repeating, end };
}
