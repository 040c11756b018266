// The order an admin reads the keys in, one for `tgsignal keys` and GET /keys: what needs
// acting on comes first.
import type { KeyRecord } from "./types.ts";

/**
 * Active unassigned keys first (someone asked and waits for the admin), then assigned
 * ones, then blocked and revoked; newest first within. `owners`: key → the user it is
 * assigned to in the config.
 *
 * Linear for a key store's own order: it lists keys in order of first issue, so each
 * group read backwards is newest first already, and is only sorted when it is not (a
 * clock set back, a hand-edited keys.log). A comparison sort of 100,000 keys took
 * 20–40 ms in that order and over 100 ms shuffled (scripts/bench/admin-keys.ts).
 */
export function sortForAdmin(records: readonly KeyRecord[], owners: ReadonlyMap<string, string>): KeyRecord[] {
  const groups: KeyRecord[][] = [[], [], [], []];
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    groups[record.status === "active" ? (owners.has(record.key) ? 1 : 0) : record.status === "blocked" ? 2 : 3]!.push(record);
  }
  return groups.flatMap((group) => (isNewestFirst(group) ? group : group.sort(newestFirst)));
}

/** ISO times compare as plain strings. */
function newestFirst(a: KeyRecord, b: KeyRecord): number {
  return a.issuedAt < b.issuedAt ? 1 : a.issuedAt > b.issuedAt ? -1 : 0;
}

function isNewestFirst(group: readonly KeyRecord[]): boolean {
  for (let i = 1; i < group.length; i++) if (group[i - 1]!.issuedAt < group[i]!.issuedAt) return false;
  return true;
}
