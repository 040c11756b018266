/** Longer inputs get no suggestion: a typo of a name is short, and the cost stays linear. */
const MAX_INPUT = 64;

/** Levenshtein distance, small and allocation-light: config keys and names are short. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest candidate within a typo's reach, or undefined. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > MAX_INPUT) return undefined;
  const needle = input.toLowerCase();
  const reach = Math.max(1, Math.min(3, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip those out of reach unread.
    if (Math.abs(candidate.length - input.length) > reach) continue;
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A distance as long as the input means nothing in common ("a" → "b").
  return bestDistance <= reach && bestDistance < input.length ? best : undefined;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closest(input, candidates);
  return match === undefined ? "" : `; did you mean "${match}"?`;
}
