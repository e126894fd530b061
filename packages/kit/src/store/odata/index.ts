export * from './property-map.js';
export { odataConstant, odataRenamed } from './expressions.js';
export { applyODataFilter, odataFilterToSql, type ODataSqlOptions } from './filter-sql.js';
export { applyODataOrderBy } from './orderby-sql.js';
