// The writer side of events-crash.test.ts: opens the inbox in the data dir given as the
// first argument and records message events for updates 1, 2, 3, ... in waves of five
// concurrent records (as a poller's batch), printing "acked <update> <id>" once each record
// has resolved (is durable), until it is killed.
import { Inbox } from "../../src/events/inbox.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { messageDraft } from "../events/event-fixtures.ts";

const dataDir = process.argv[2]!;
const inbox = await Inbox.open({
  platform: bunPlatform,
  clock: systemClock,
  log: createLogger({ format: "text", level: "warn", write: (line) => void process.stderr.write(line) }),
  dataDir,
  retentionMs: () => 7 * 24 * 60 * 60 * 1000,
});
for (let update = 1; ; update += 5) {
  await Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const { stored } = await inbox.record(messageDraft(systemClock, { updateId: update + i, text: `message ${update + i}` }));
      process.stdout.write(`acked ${update + i} ${stored.event.id}\n`);
    }),
  );
}
