import { randomBytes } from "node:crypto";

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The largest multiple of 62 a byte can hold: bytes at or past it are dropped, so every character is equally likely. */
const unbiasedBelow = 248;

/** `length` uniformly random base62 characters from the system CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte >= unbiasedBelow) continue;
      out += alphabet.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

/** A key's secret: `sy-` and 32 base62 characters (190 bits). */
export const newSecret = () => `sy-${randomBase62(32)}`;

/** What a secret is recognised by: its first 11 characters (`sy-` and 8 more). */
export const secretPrefix = (secret: string) => secret.slice(0, 11);

export const newKeyId = () => `key_${randomBase62(16)}`;
export const newUserId = () => `usr_${randomBase62(16)}`;

/** A member that keeps two events of the same millisecond apart in a sorted set. */
export const nonce = () => randomBase62(10);
