// The deployment files run as written: the Dockerfile's HEALTHCHECK against a real gateway.
import { afterEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, startServe, tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

let server: ServeProcess | undefined;
afterEach(async () => {
  if (server && server.proc.exitCode === null) await server.kill("SIGTERM");
});

test("the Dockerfile HEALTHCHECK passes against a running gateway (its shell is the image's, Debian's dash)", async () => {
  const dockerfile = await readFile(join(ROOT, "Dockerfile"), "utf8");
  const line = dockerfile.split("\n").find((l) => l.startsWith("HEALTHCHECK"))!;
  const argv = JSON.parse(line.slice(line.indexOf("CMD") + 3).trim()) as string[];
  // debian:bookworm-slim's /bin/sh is dash, which has no /dev/tcp; run the check with it.
  const shells: Record<string, string> = { "/bin/sh": "dash" };
  const dir = await tempDir();
  server = await startServe(await writeConfig(dir, "listen: 127.0.0.1:0\n"));
  const port = new URL(server.url).port;
  const check = Bun.spawn([shells[argv[0]!] ?? argv[0]!, ...argv.slice(1).map((arg) => arg.replaceAll("8787", port))], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([check.exited, new Response(check.stderr).text()]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
}, 20_000);
