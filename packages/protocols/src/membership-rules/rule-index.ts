import { POSITIVE_OF, type RuleComparisonNode, type RuleNode } from './ast.js';
import { asArray, asText, field } from './evaluate.js';

/**
 * Which of many rules could hold for a subject, without evaluating them: rules are indexed by
 * the literals they need (`_ -eq "[OrderID]:Sales"`, `deviceOSType -eq "Windows"`,
 * `displayName -startsWith "PC-"`, `-in [...]`), so a directory that re-evaluates memberships
 * after a write only evaluates the rules whose literals the subject's values match.
 *
 * The answer is a superset: every rule that `evaluateRule` says holds is a candidate, and a
 * rule the index cannot decide (one that a missing value satisfies, `-endsWith`, `-match`,
 * `-all`, negations of positive operators, …) is always a candidate.
 */

/** One fact a rule needs: the property, or an element of it, equals `text` or starts with it. */
interface Atom {
  /** The property name as the rule spells it; resolved the way the evaluator resolves it. */
  name: string;
  kind: 'eq' | 'prefix';
  /** Lower-cased, as the evaluator compares. */
  text: string;
}

/** At least one atom of the clause holds whenever the rule holds. */
type Clause = Atom[];

/**
 * More clauses only sharpen the filter; dropping some keeps it correct. The cap bounds the
 * bit mask a lookup keeps per rule and the product an `-or` of two conjunctions expands to.
 */
const MAX_CLAUSES = 16;

/**
 * Necessary conditions of `node` (or of its negation) as clauses that must all hold; an empty
 * list means nothing is known. `element` names the collection `_` stands for inside `-any`.
 */
function necessary(node: RuleNode, negated: boolean, element: string | undefined): Clause[] {
  switch (node.kind) {
    case 'and':
      return negated ? either(necessary(node.left, true, element), necessary(node.right, true, element)) : both(node.left, node.right, false, element);
    case 'or':
      return negated ? both(node.left, node.right, true, element) : either(necessary(node.left, false, element), necessary(node.right, false, element));
    case 'not':
      return necessary(node.operand, !negated, element);
    case 'quantifier':
      // `-any` holds only if the predicate holds for some element; `-not (… -all …)` only if
      // its negation does. `-any` of an empty collection is false and `-all` true, so the other
      // two forms hold without any element and say nothing.
      if ((node.quantifier === 'any') === !negated) return necessary(node.predicate, negated, node.property.name);
      return [];
    case 'comparison': {
      const atoms = comparisonAtoms(node, negated, element);
      return atoms.length > 0 ? [atoms] : [];
    }
  }
}

function both(left: RuleNode, right: RuleNode, negated: boolean, element: string | undefined): Clause[] {
  return [...necessary(left, negated, element), ...necessary(right, negated, element)].slice(0, MAX_CLAUSES);
}

/** (a1 ∧ a2) ∨ (b1 ∧ b2) needs (a1 ∨ b1) ∧ (a1 ∨ b2) ∧ …; a side that needs nothing makes the whole need nothing. */
function either(left: Clause[], right: Clause[]): Clause[] {
  if (left.length === 0 || right.length === 0) return [];
  const out: Clause[] = [];
  for (const a of left) for (const b of right) if (out.length < MAX_CLAUSES) out.push([...a, ...b]);
  return out;
}

/** The atoms one of which must hold for the comparison (or its negation) to hold; none if unknown. */
function comparisonAtoms(node: RuleComparisonNode, negated: boolean, element: string | undefined): Atom[] {
  const twin = POSITIVE_OF[node.operator];
  // A negative operator is its positive twin negated, and is satisfied by a missing value;
  // negating it gives the positive twin back.
  if (negated !== (twin !== undefined)) return [];
  const operator = twin ?? node.operator;
  const name = node.property.kind === 'property' ? node.property.name : node.property.kind === 'element' ? element : undefined;
  if (name === undefined) return [];
  const value = node.value;
  if (value.type === 'array') {
    if (operator === 'match') return [];
    return value.items.map((item) => ({ name, kind: 'eq' as const, text: String(item.value).toLowerCase() }));
  }
  if (value.type !== 'string' && value.type !== 'number') return [];
  const text = String(value.value).toLowerCase();
  if (operator === 'eq' || (operator === 'contains' && node.collection === 'wholeElement')) return [{ name, kind: 'eq', text }];
  if (operator === 'startsWith') return [{ name, kind: 'prefix', text }];
  return [];
}

/**
 * Every text the evaluator could compare for a property: the value itself, the elements of a
 * collection, and the elements of an element (a collection comparison inside `-any`).
 */
function texts(raw: unknown): string[] {
  const out: string[] = [];
  for (const item of asArray(raw)) {
    for (const inner of Array.isArray(item) ? item : [item]) {
      const text = asText(inner);
      if (text !== undefined) out.push(text.toLowerCase());
    }
  }
  return out;
}

interface Entry<K> {
  key: K;
  /** This clause's bit. */
  bit: number;
  /** All of the rule's bits: the rule is a candidate when every clause has matched. */
  all: number;
}

interface PropertySlot<K> {
  equal: Map<string, Entry<K>[]>;
  prefix: Map<string, Entry<K>[]>;
  /** Distinct prefix lengths, ascending, so a lookup slices each value once per length. */
  prefixLengths: number[];
}

export class RuleIndex<K> {
  private readonly undecided: K[] = [];
  private readonly slots = new Map<string, PropertySlot<K>>();

  constructor(rules: Iterable<readonly [K, RuleNode]>) {
    for (const [key, node] of rules) this.add(key, node);
    for (const slot of this.slots.values()) slot.prefixLengths.sort((a, b) => a - b);
  }

  /** Rules that could hold for the subject; every other rule is false for it. */
  candidates(subject: Record<string, unknown>): Set<K> {
    const matched = new Map<K, number>();
    const out = new Set<K>(this.undecided);
    const hit = (entries: Entry<K>[] | undefined) => {
      if (!entries) return;
      for (const e of entries) {
        const bits = (matched.get(e.key) ?? 0) | e.bit;
        matched.set(e.key, bits);
        if (bits === e.all) out.add(e.key);
      }
    };
    for (const [name, slot] of this.slots) {
      for (const text of texts(field(subject, name))) {
        hit(slot.equal.get(text));
        for (const length of slot.prefixLengths) {
          if (length > text.length) break;
          hit(slot.prefix.get(text.slice(0, length)));
        }
      }
    }
    return out;
  }

  private add(key: K, node: RuleNode): void {
    const clauses = necessary(node, false, undefined);
    if (clauses.length === 0) {
      this.undecided.push(key);
      return;
    }
    const all = (1 << clauses.length) - 1;
    clauses.forEach((clause, i) => {
      for (const atom of clause) {
        let slot = this.slots.get(atom.name);
        if (!slot) this.slots.set(atom.name, (slot = { equal: new Map(), prefix: new Map(), prefixLengths: [] }));
        const map = atom.kind === 'eq' ? slot.equal : slot.prefix;
        if (atom.kind === 'prefix' && !slot.prefixLengths.includes(atom.text.length)) slot.prefixLengths.push(atom.text.length);
        const list = map.get(atom.text);
        const entry = { key, bit: 1 << i, all };
        if (list) list.push(entry);
        else map.set(atom.text, [entry]);
      }
    });
  }
}
