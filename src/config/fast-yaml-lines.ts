// The text of a YAML document as the fast reader sees it: what characters it declines outright,
// and its lines one at a time (CRLF or LF, a BOM before the first). Pure.

/**
 * Characters the subset never contains: tabs, control characters, C1, NEL, LS, PS, U+FFFE/U+FFFF,
 * a BOM after the first character, a CR not followed by LF, and lone surrogates.
 */
export const UNSUPPORTED_CHARS =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]|(?<!^)\ufeff|\r(?!\n)|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface Content {
  readonly indent: number;
  readonly text: string;
}

/** The lines of a text, one at a time: no array of every line (a 32 MiB file has millions). */
export class Lines {
  private next = 0;
  /** 1-based number of the current line. */
  number = 0;
  text = '';
  /** Column of index 0 minus 1: 1 on a first line that starts with a BOM. */
  base = 0;
  done = false;

  constructor(private readonly src: string) {
    this.advance();
    if (this.text.charCodeAt(0) === 0xfeff) {
      this.text = this.text.slice(1);
      this.base = 1;
    }
  }

  advance(): void {
    if (this.next > this.src.length) {
      this.done = true;
      this.text = '';
      return;
    }
    let end = this.src.indexOf('\n', this.next);
    if (end < 0) end = this.src.length;
    const lineEnd = this.src.charCodeAt(end - 1) === 13 ? end - 1 : end;
    this.text = this.src.slice(this.next, lineEnd);
    this.next = end + 1;
    this.number++;
    this.base = 0;
  }
}

/** `---` alone on a line, or with a comment. */
export const DOCUMENT_START = /^---(?: +(?:#.*)?)?$/;
