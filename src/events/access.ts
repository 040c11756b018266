// Whose events a client may read: the users of its `allow` list, groups flattened (as a
// client may notify them). Pull (GET /events), push (webhooks), files and reply_to share
// this one answer. It knows nothing of the config's types (events/ sits below config/):
// the caller hands in how a group name expands.

/** The users whose events may be read; null = everyone's. */
export type Readers = ReadonlySet<string> | null;

/**
 * `allow` null (no list) → everyone. A name that is a group stands for its users
 * (`groupUsers` answers with them, flattened), any other name for that user.
 */
export function readersOf(allow: readonly string[] | null, groupUsers: (name: string) => readonly string[] | undefined): Readers {
  if (allow === null) return null;
  const users = new Set<string>();
  for (const name of allow) for (const user of groupUsers(name) ?? [name]) users.add(user);
  return users;
}

export function mayRead(readers: Readers, event: { user: string }): boolean {
  return readers === null || readers.has(event.user);
}
