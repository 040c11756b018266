// The floor for accepting an upload on this runtime: a bare Bun.serve that reads the body
// and writes it to a file (awaiting each write, then fsync), nothing else. The files-accept
// bench measures its RSS growth and rate beside the gateway's: what the runtime's own
// request buffering costs. Prints "listening <url>" and serves until killed.
import { open } from "node:fs/promises";
import { join } from "node:path";

const dir = process.argv[2]!;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  async fetch(req) {
    const file = await open(join(dir, "floor.bin"), "w");
    try {
      const reader = req.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await file.write(value);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    return new Response(null, { status: 202 });
  },
});
console.log(`listening http://127.0.0.1:${server.port}`);
