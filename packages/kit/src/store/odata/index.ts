export * from './property-map.js';
export { odataConstant, odataRenamed } from './expressions.js';
export { applyODataFilter, odataFilterToSql, type ODataSqlOptions } from './filter-sql.js';
export { applyODataOrderBy, applyODataKeyset, odataKeysetAfter } from './orderby-sql.js';
export { applyODataSearch, odataSearchToSql, searchTokensColumnValue, type ODataSearchMap } from './search-sql.js';
export { escapeLike, LIKE_ESCAPE } from './like.js';
