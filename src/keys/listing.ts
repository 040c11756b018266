// The order an admin reads the keys in, one for `tgsignal keys` and GET /keys: what needs
// acting on comes first.
import type { KeyRecord } from "./types.ts";

/**
 * Active unassigned keys first (someone asked and waits for the admin), then assigned
 * ones, then blocked and revoked; newest first within. `owners`: key → the user it is
 * assigned to in the config.
 */
export function sortForAdmin(records: readonly KeyRecord[], owners: ReadonlyMap<string, string>): KeyRecord[] {
  const rank = (record: KeyRecord) =>
    record.status === "active" ? (owners.has(record.key) ? 1 : 0) : record.status === "blocked" ? 2 : 3;
  // ISO times compare as plain strings (localeCompare is many times slower over 100,000 keys).
  return [...records].sort((a, b) => rank(a) - rank(b) || (a.issuedAt < b.issuedAt ? 1 : a.issuedAt > b.issuedAt ? -1 : 0));
}
