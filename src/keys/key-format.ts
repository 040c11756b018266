// The one definition of a key: 8 digits, 10000000–99999999 (never starting with 0, so a
// spreadsheet or a YAML number cannot silently drop a leading digit). Config checks,
// keys.log replay and key generation all use this file.

/** The pattern's source, for finding a key inside a text (e.g. `\b${KEY_SOURCE}\b`). */
export const KEY_SOURCE = "[1-9]\\d{7}";
/** A whole string that is a key. */
export const KEY_PATTERN = new RegExp(`^${KEY_SOURCE}$`);

const KEY_MIN = 10_000_000;
const KEY_SPAN = 90_000_000;

export function isKey(value: unknown): value is string {
  return typeof value === "string" && KEY_PATTERN.test(value);
}

/** A random integer in [0, 2^32) from the crypto RNG: keys must not be guessable. */
export function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** A uniform key from a 32-bit random source (rejection sampling, no modulo bias). */
export function generateKey(random: () => number = cryptoRandom): string {
  const limit = Math.floor(2 ** 32 / KEY_SPAN) * KEY_SPAN;
  for (;;) {
    const value = random();
    if (value < limit) return String(KEY_MIN + (value % KEY_SPAN));
  }
}
