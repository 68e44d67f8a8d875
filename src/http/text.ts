// Bounded echoes: every piece of client input quoted back in an error body or a log line goes
// through cut(), so a 32 MiB value can never come back as a 32 MiB message. Pure, no I/O.

/** Longest client value quoted in a message (a query value, a media type, a command). */
export const MAX_QUOTED = 64;
/** Longest message in an error body or a log line (location + path + reason). */
export const MAX_MESSAGE = 300;

/**
 * `text` when it has at most `max` characters, else its first `max` and how long it was.
 * @example cut('x'.repeat(100), 4) // 'xxxx… (100 chars)'
 */
export function cut(text: string, max: number = MAX_QUOTED): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} chars)`;
}

/** A client value in double quotes, cut, with control characters escaped (one log line stays one). */
export function quote(text: string, max: number = MAX_QUOTED): string {
  return JSON.stringify(cut(text, max));
}
