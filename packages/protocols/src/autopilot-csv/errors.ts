import { ProtocolParseError } from '../errors.js';

/**
 * A file that cannot be read as an Autopilot CSV at all (no header Baton knows, too many
 * rows). Per-row problems are not thrown: they come back in the parse result so the rest
 * of the file still imports.
 */
export class CsvError extends ProtocolParseError {}

/** Autopilot's code for a malformed import row, which the portal also uses for bad CSV lines. */
export const CSV_MALFORMED_ROW = 801;
