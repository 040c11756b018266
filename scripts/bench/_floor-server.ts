// The physical floor of a durable accept on this machine: a bare Bun server that parses the
// JSON body and appends one line per request to a file, answering after the fsync that covers
// it (group commit: lines that arrive during an fsync share the next one). No auth, routing,
// validation or outbox: what tgsignal adds on top is measured as a ratio to this.
import { open } from "node:fs/promises";
import { join } from "node:path";

const dir = process.argv[2]!;
const file = await open(join(dir, "floor.log"), "a");
let queue: Array<{ line: string; done: () => void }> = [];
let writing = false;

async function drain(): Promise<void> {
  writing = true;
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    await file.write(batch.map((entry) => entry.line).join(""));
    await file.datasync();
    for (const entry of batch) entry.done();
  }
  writing = false;
}

function append(line: string): Promise<void> {
  return new Promise((done) => {
    queue.push({ line, done });
    if (!writing) void drain();
  });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = (await req.json()) as Record<string, unknown>;
    await append(JSON.stringify({ at: Date.now(), ...body }) + "\n");
    return Response.json({ status: "queued" }, { status: 202 });
  },
});
console.log(`listening http://127.0.0.1:${server.port}`);
