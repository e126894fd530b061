export { CsvError, CSV_MALFORMED_ROW } from './errors.js';
export { decodeCsvText, decodeWindows1252, encodeWindows1252, type CsvEncoding, type DecodedCsv } from './decode.js';
export {
  parseAutopilotCsv,
  splitFields,
  STANDARD_HEADER,
  PARTNER_HEADER,
  CORPORATE_IDENTIFIER_HEADER,
  MICROSOFT_ROW_LIMIT,
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_FIELD_LENGTH,
  type CsvVariant,
  type CsvDeviceRow,
  type CsvRowError,
  type ParsedAutopilotCsv,
  type ParseAutopilotCsvOptions,
} from './parse.js';
export { writeAutopilotCsv, autopilotCsvText, encodeCsvText, type CsvWriteRow, type WriteAutopilotCsvOptions } from './write.js';
