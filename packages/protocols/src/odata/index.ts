export * from './ast.js';
export { ODataError, type ODataErrorCode } from './errors.js';
export { parseFilter, DEFAULT_FILTER_MAX_DEPTH, DEFAULT_FILTER_MAX_LENGTH, type ParseFilterOptions } from './parser.js';
export { formatFilter, formatFilterOperand } from './format.js';
export { evaluateFilter, readODataPath, type EvaluateFilterOptions } from './evaluate.js';
export { parseQueryOptions, type ODataQuery, type ODataQueryAllowed, type ODataOptionName, type OrderByItem } from './query-options.js';
export { selectFields, applyOrderBy, type ApplyOrderByOptions } from './results.js';
export { encodeSkiptoken, decodeSkiptoken } from './skiptoken.js';
export { filterChainOperands } from './walk.js';
