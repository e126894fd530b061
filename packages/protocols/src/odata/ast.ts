/**
 * The parsed form of a `$filter`. Literals keep the kind they were written as (a GUID or a
 * DateTimeOffset is not a quoted string on the wire), so printing an AST gives back a filter
 * that parses to the same AST.
 */

export type FilterLiteral =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null'; value: null }
  | { kind: 'literal'; type: 'guid'; value: string }
  /** The text as written (`2024-01-01T00:00:00Z`); compared as an instant. */
  | { kind: 'literal'; type: 'datetime'; value: string }
  /** `microsoft.graph.deviceType'windows'`: the member name, treated as a string. */
  | { kind: 'literal'; type: 'enum'; value: string; enumType: string };

export interface FilterPropertyRef {
  kind: 'property';
  /** `state/deviceImportStatus` is `['state', 'deviceImportStatus']`. */
  path: string[];
}

/** A lambda's range variable (`p` in `physicalIds/any(p:p eq 'x')`), optionally with a path into the element. */
export interface FilterVariableRef {
  kind: 'variable';
  name: string;
  path: string[];
}

export type FilterOperand = FilterLiteral | FilterPropertyRef | FilterVariableRef;

export type FilterComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterStringFunction = 'startswith' | 'endswith' | 'contains';

export type FilterNode =
  | { kind: 'compare'; op: FilterComparisonOperator; left: FilterOperand; right: FilterOperand }
  | { kind: 'function'; name: FilterStringFunction; args: [FilterOperand, FilterOperand] }
  | {
      kind: 'lambda';
      op: 'any' | 'all';
      collection: FilterPropertyRef | FilterVariableRef;
      /** Absent only for `coll/any()`, which asks whether the collection has any element. */
      variable?: string;
      predicate?: FilterNode;
    }
  /**
   * `serialNumber in ('A','B')`: holds when the operand equals one of the values, exactly as
   * an `or` of `eq`s would. The values are literals of one type (one enum type for enums), so
   * every one of them compares with the operand the same way.
   */
  | { kind: 'in'; operand: FilterPropertyRef | FilterVariableRef; values: FilterLiteral[] }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

export const FILTER_COMPARISON_OPERATORS: readonly FilterComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
export const FILTER_STRING_FUNCTIONS: readonly FilterStringFunction[] = ['startswith', 'endswith', 'contains'];
