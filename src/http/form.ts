// Strict readers for the two form encodings of the classic POST / endpoint, over a body already read
// whole (bounded): application/x-www-form-urlencoded and multipart/form-data (RFC 7578). A field is
// never cut short, a malformed form is a 400 and files or encoded parts are refused. No I/O.
import { HttpError } from './http-error.js';
import { parseMediaType, requireUtf8, type MediaType } from './media-type.js';
import { quote } from './text.js';

export type FormKind =
  { readonly kind: 'urlencoded' } | { readonly kind: 'multipart'; readonly boundary: string };

export interface FormField {
  readonly name: string;
  readonly value: Buffer;
}

function malformed(message: string): HttpError {
  return new HttpError(400, 'E_BAD_REQUEST', message);
}

// RFC 2046 §5.1.1: 1 to 70 of these, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** Which form a media type names; 415 for anything else (or a multipart without a valid boundary). */
export function formKind(type: MediaType): FormKind {
  if (type.essence === 'application/x-www-form-urlencoded') {
    requireUtf8(type);
    return { kind: 'urlencoded' };
  }
  if (type.essence === 'multipart/form-data') {
    requireUtf8(type, ['boundary']);
    const boundary = type.params.get('boundary');
    if (boundary === undefined || !BOUNDARY.test(boundary))
      throw new HttpError(
        415,
        'E_MEDIA_TYPE',
        'multipart/form-data needs a boundary parameter of 1 to 70 characters',
      );
    return { kind: 'multipart', boundary };
  }
  throw new HttpError(
    415,
    'E_MEDIA_TYPE',
    `unsupported media type ${quote(type.essence)} (application/x-www-form-urlencoded or multipart/form-data)`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes → text, or a 400 naming what was not UTF-8. */
export function decodeField(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformed(`${what} is not valid utf-8`);
  }
}

function percentDecode(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2b) out.push(0x20);
    else if (c !== 0x25) out.push(c);
    else {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        throw malformed(`malformed %-escape at ${quote(text.slice(i, i + 3))}`);
      out.push(parseInt(hex, 16));
      i += 2;
    }
  }
  return Buffer.from(out);
}

/** `a=1&b=2`: printable ASCII only (what curl -d and --data-urlencode send), strict %-escapes. */
export function parseUrlencoded(body: Buffer): FormField[] {
  for (const byte of body) {
    if (byte < 0x20 || byte > 0x7e)
      throw malformed('a urlencoded body must be printable ascii (escape other bytes as %xx)');
  }
  const fields: FormField[] = [];
  for (const pair of body.toString('latin1').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    fields.push({
      name: decodeField(percentDecode(rawName), 'a field name'),
      value: percentDecode(rawValue),
    });
  }
  return fields;
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
const PART_HEADERS = new Set(['content-disposition', 'content-type']);

function partHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(`malformed part header ${quote(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!PART_HEADERS.has(name))
      throw malformed(`unsupported part header ${quote(name)} (content-disposition, content-type)`);
    if (headers.has(name)) throw malformed(`part header ${quote(name)} given twice`);
    headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** One part: `Content-Disposition: form-data; name=...`, text only, no file. */
function readPart(part: Buffer): FormField {
  const end = part.indexOf(HEADERS_END);
  if (end < 0) throw malformed('a multipart part needs headers (content-disposition)');
  const headers = partHeaders(decodeField(part.subarray(0, end), 'a part header'));
  // The disposition has the media type's syntax: a token and parameters.
  const disposition = parseMediaType(`x/${headers.get('content-disposition') ?? ''}`);
  const name = disposition?.params.get('name');
  if (disposition?.essence !== 'x/form-data' || name === undefined)
    throw malformed('each part needs content-disposition: form-data; name="..."');
  if (disposition.params.has('filename') || disposition.params.has('filename*'))
    throw malformed('files are not accepted (send the command as a text field)');
  const type = headers.get('content-type');
  if (type !== undefined) {
    const parsed = parseMediaType(type);
    if (parsed?.essence !== 'text/plain')
      throw malformed(`part type ${quote(type)} is not text/plain`);
    requireUtf8(parsed);
  }
  return { name, value: part.subarray(end + HEADERS_END.length) };
}

/** RFC 2046 §5.1.1 framing: [preamble CRLF] --b part (CRLF --b part)* CRLF --b-- [epilogue]. */
export function parseMultipart(body: Buffer, boundary: string): FormField[] {
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.concat([CRLF, dash]);
  let at = body.subarray(0, dash.length).equals(dash) ? 0 : body.indexOf(delimiter);
  if (at < 0) throw malformed('the multipart body holds no boundary');
  if (at > 0) at += CRLF.length;
  const fields: FormField[] = [];
  for (;;) {
    let pos = at + dash.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return fields;
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a)
      throw malformed('a multipart boundary must end its line');
    const start = pos + CRLF.length;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw malformed('the multipart body is cut short (no closing boundary)');
    fields.push(readPart(body.subarray(start, next)));
    at = next + CRLF.length;
  }
}

/** The fields of a form body of `kind`. */
export function parseForm(kind: FormKind, body: Buffer): FormField[] {
  return kind.kind === 'urlencoded' ? parseUrlencoded(body) : parseMultipart(body, kind.boundary);
}
