/**
 * Secret values this process knows (model keys, credentials from the store), scrubbed from
 * every log line written by a logger from `createLogger` and from any text passed through
 * `scrubSecrets` (error messages before they leave the process). Process-wide on purpose:
 * a secret is secret in every logger, child loggers and loggers made before it included.
 */

/** What a secret is replaced with. Contains no character JSON escapes, so a scrubbed line stays valid JSON. */
export const redactedMark = "[REDACTED]";

/** Shorter values are not registered: they would match ordinary words (and nobody's key is that short). */
export const minSecretLength = 8;

/** Values as they are, for plain text. */
const known = new Set<string>();
/** Values JSON-escaped, as they appear inside a serialized line (the same as the value unless it has quotes, backslashes or controls). */
const knownSerialized = new Set<string>();
/** One alternation of each set, longest first; undefined while none is registered, so the check costs nothing. */
let pattern: RegExp | undefined;
let serializedPattern: RegExp | undefined;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Registers secret values; any later log line or scrubbed text has them replaced by
 * `[REDACTED]`. Undefined, empty and short values (under 8 characters) are ignored; a value
 * already known costs nothing. Log lines are matched against each value's JSON-escaped form
 * (how it appears inside a serialized line when it has quotes, backslashes or control characters).
 */
export function redactValues(values: Iterable<string | undefined>): void {
  let added = false;
  for (const value of values) {
    if (value === undefined || value.length < minSecretLength || known.has(value)) continue;
    known.add(value);
    knownSerialized.add(JSON.stringify(value).slice(1, -1));
    added = true;
  }
  if (!added) return;
  pattern = alternation(known);
  serializedPattern = alternation(knownSerialized);
}

function alternation(forms: Set<string>): RegExp {
  return new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|"),
    "g",
  );
}

/** How many secret values are registered (for tests and the start banner; never the values). */
export function redactedCount(): number {
  return known.size;
}

/** The text with every registered secret replaced; the same string when none is registered or none occurs. */
export function scrubSecrets(text: string): string {
  if (pattern === undefined) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, redactedMark);
}

/**
 * `scrubSecrets` for one serialized JSON line: a match that starts just after an escaping
 * backslash (`\n` then the rest of the value) is part of an escape sequence, not the secret,
 * and is left alone so the line stays valid JSON. Checked only on a match, so lines without
 * secrets cost one scan.
 */
export function scrubSerialized(line: string): string {
  if (serializedPattern === undefined) return line;
  serializedPattern.lastIndex = 0;
  return line.replace(serializedPattern, (match: string, offset: number) => (escapedAt(line, offset) ? match : redactedMark));
}

/** Whether the character at `offset` follows an odd run of backslashes (so it belongs to an escape sequence). */
function escapedAt(line: string, offset: number): boolean {
  let backslashes = 0;
  for (let index = offset - 1; index >= 0 && line.charCodeAt(index) === 92; index -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

/** Forgets every registered secret (tests only: a process never unlearns a secret). */
export function forgetSecretsForTests(): void {
  known.clear();
  knownSerialized.clear();
  pattern = undefined;
  serializedPattern = undefined;
}
