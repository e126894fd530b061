/**
 * Evaluates a parsed `$search` against one entity in memory, as Entra answers it on directory
 * objects: a tokenized property (displayName) matches word by word (see search-tokens.ts), any
 * other string property matches when its value starts with the text, ignoring case. A clause
 * without a property, or on a value that is not a string, matches nothing. The SQL translation
 * in kit follows the same rules, and its tests compare the two.
 */
import { readODataPath } from './evaluate.js';
import { searchChainOperands, type SearchNode } from './search.js';
import { searchTokensMatch } from './search-tokens.js';

export interface EvaluateSearchOptions {
  /** Properties searched word by word, matched ignoring case; every other one is searched as startswith. */
  tokenized?: readonly string[];
}

export function evaluateSearch(node: SearchNode, entity: Record<string, unknown>, options: EvaluateSearchOptions = {}): boolean {
  const tokenized = new Set((options.tokenized ?? []).map((p) => p.toLowerCase()));
  const matches = (n: SearchNode): boolean => {
    if (n.kind !== 'term') return n.kind === 'and' ? searchChainOperands(n).every(matches) : searchChainOperands(n).some(matches);
    if (n.property === undefined) return false;
    const value = readODataPath(entity, [n.property]);
    if (typeof value !== 'string') return false;
    if (tokenized.has(n.property.toLowerCase())) return searchTokensMatch(value, n.text);
    return value.toLowerCase().startsWith(n.text.toLowerCase());
  };
  return matches(node);
}
