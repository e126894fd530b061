/**
 * The stored form of a raw OMA-DM request: gzip, base64. zlib's defaults size its window and
 * hash table for large inputs (about 256 KiB of state to allocate and clear per call); a
 * poll is about a kilobyte, and on a busy server clearing that state cost more than the
 * compression itself. The window is sized to the body instead, which compresses a body as
 * well as the default would (a window at least as long as the input sees all of it), and any
 * gunzip reads the result.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

const MIN_WINDOW_BITS = 10;
const MAX_WINDOW_BITS = 15;
/** deflate keeps this many bytes of lookahead beside its window. */
const LOOKAHEAD = 262;

export function compressRawBody(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  const windowBits = Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, Math.ceil(Math.log2(bytes.length + LOOKAHEAD))));
  // memLevel 8 (zlib's default) goes with the 32 KiB window; each halving of the window halves the hash table too.
  return gzipSync(bytes, { windowBits, memLevel: windowBits - 7 }).toString('base64');
}

export function decompressRawBody(stored: string): string {
  return gunzipSync(Buffer.from(stored, 'base64')).toString('utf8');
}
