// Loading through the config worker gives exactly what loading on this thread gives:
// the same frozen Config, the same positioned errors, the same secrets masked here.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { checkConfigText, loadConfigFile } from "../../src/config/load.ts";
import { ConfigLoader } from "../../src/config/off-thread.ts";
import { replyParts } from "../../src/config/transfer.ts";
import { ConfigError, formatIssue } from "../../src/lib/errors.ts";
import { redactor } from "../../src/lib/redact.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { tempDir } from "../integration/serve-process.ts";
import { BOT_TOKEN, CLIENT_TOKEN, yaml } from "./helpers.ts";

const FULL = yaml`
  listen: 127.0.0.1:8787
  data_dir: ./state
  clients:
    erp: { token: ${CLIENT_TOKEN}, allow: [ops], rate_limit: { per_second: 5 } }
  bots:
    main:
      token: "${BOT_TOKEN}"
      texts: { key_issued: "Key: {key}" }
      access: { allow: [12345, "@ivan"], passphrase: tulip-42 }
      proxy: http://squid:squidpass-1@proxy.local:3128
  users:
    ivanov: 48213977
    petrov: [51928374, 60011223]
  groups:
    ops: [ivanov, petrov]
    empty: []
`;

/** A config of `count` users in 100 groups, as the reload bench uses. */
function bigConfig(count: number): string {
  const lines = ["users:"];
  for (let i = 0; i < count; i++) lines.push(`  user${i}: ${10_000_000 + i * 7}`);
  lines.push("groups:");
  const size = count / 100;
  for (let g = 0; g < 100; g++) lines.push(`  group${g}: [${Array.from({ length: size }, (_, i) => `user${g * size + i}`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

async function configFile(text: string): Promise<string> {
  const file = join(await tempDir(), "config.yaml");
  await writeFile(file, text);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.issues.map(formatIssue);
}

/** Objects and Maps frozen all the way down; arrays only walked (see deepFreeze in resolve.ts). */
function expectDeepFrozen(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  if (!Array.isArray(value)) expect(Object.isFrozen(value)).toBe(true);
  for (const item of value instanceof Map ? value.values() : Object.values(value)) expectDeepFrozen(item);
}

const loaders: ConfigLoader[] = [];
afterEach(() => loaders.splice(0).forEach((loader) => loader.close()));

function loaderOf(file: string, options: { env?: Record<string, string>; clock?: FakeClock } = {}): ConfigLoader {
  const loader = new ConfigLoader({ platform: bunPlatform, clock: options.clock ?? new FakeClock(), file, env: options.env ?? {} });
  loaders.push(loader);
  return loader;
}

describe("reloads through the config worker", () => {
  test("build the same frozen Config as a load on this thread", async () => {
    const file = await configFile(FULL);
    const here = await loadConfigFile(bunPlatform, file, { env: {} });
    const there = await loaderOf(file).reload();
    expect(there).toEqual(here);
    expect([...there.users.keys()]).toEqual([...here.users.keys()]);
    expect([...there.keyOwners]).toEqual([...here.keyOwners]);
    expect(there.warnings.map((issue) => formatIssue(issue).replace(/^.*?:/, "config.yaml:"))).toEqual(["config.yaml:16:10 warning: groups.empty is empty; notifications to it will be rejected"]);
    expectDeepFrozen(there);
  });

  test("a big config comes back whole", async () => {
    const config = await loaderOf(await configFile(bigConfig(10_000))).reload();
    expect(config.users.size).toBe(10_000);
    expect(config.keyOwners.get(String(10_000_000 + 9_999 * 7))).toBe("user9999");
    expect(config.groups.get("group99")!.users.at(-1)).toBe("user9999");
  });

  test("an invalid config gives the same positioned errors as a load on this thread", async () => {
    const file = await configFile("listen: nowhere\nusers:\n  ivanov: 123\n");
    const fromHere = await rejection(loaderOf(file).load());
    expect(await rejection(loaderOf(file).reload())).toEqual(fromHere);
    expect(fromHere).toHaveLength(2);
  });

  test("secrets from the environment in a rejected config are masked on this thread", async () => {
    const secret = "worker-side-secret-token-4471";
    const file = await configFile("clients:\n  erp:\n    token: ${ERP}\n    allow: 5\n");
    await rejection(loaderOf(file, { env: { ERP: secret } }).reload());
    expect(redactor.redact(`token ${secret}`)).toBe("token ***");
  });

  test("the file is checked on this thread first: a FIFO never reaches the worker", async () => {
    const file = join(await tempDir(), "config.yaml");
    Bun.spawnSync(["mkfifo", file]);
    const loader = loaderOf(file);
    expect((await rejection(loader.reload()))[0]).toContain("it is a FIFO (named pipe)");
    expect(loader.working).toBe(false);
  });

  test("an empty file is accepted at start and refused on reload (a write in progress)", async () => {
    const file = await configFile("");
    const loader = loaderOf(file);
    expect((await loader.load()).users.size).toBe(0);
    await writeFile(file, " \n");
    expect((await rejection(loader.reload()))[0]).toContain("the file is empty (a write still in progress?)");
  });

  test("reloads at the same time each get their own result", async () => {
    const files = await Promise.all([1, 2, 3].map((port) => configFile(`listen: 127.0.0.1:${port}\n`)));
    const ports = await Promise.all(files.map(async (file) => (await loaderOf(file).reload()).listen.port));
    expect(ports).toEqual([1, 2, 3]);
    const loader = loaderOf(files[0]!);
    expect((await Promise.all([loader.reload(), loader.reload()])).map((config) => config.listen.port)).toEqual([1, 1]);
  });

  test("unchanged bytes give back the same Config without starting the worker", async () => {
    const file = await configFile(FULL);
    const loader = loaderOf(file);
    const started = await loader.load();
    expect(await loader.reload()).toBe(started);
    expect(loader.working).toBe(false);
    await writeFile(file, `# edited\n${FULL}`);
    const edited = await loader.reload();
    expect(edited).not.toBe(started);
    expect(await loader.reload()).toBe(edited);
  });

  test("the worker ends after a quiet minute and starts again for the next reload", async () => {
    const clock = new FakeClock();
    const file = await configFile("listen: 127.0.0.1:1\n");
    const loader = loaderOf(file, { clock });
    await loader.reload();
    await clock.advance(0);
    expect(loader.working).toBe(true);
    await clock.advance(59_999);
    expect(loader.working).toBe(true);
    await writeFile(file, "listen: 127.0.0.1:2\n");
    expect((await loader.reload()).listen.port).toBe(2);
    await clock.advance(59_999); // the second reload restarted the quiet minute
    expect(loader.working).toBe(true);
    await clock.advance(1);
    expect(loader.working).toBe(false);
    await writeFile(file, "listen: 127.0.0.1:3\n");
    expect((await loader.reload()).listen.port).toBe(3);
  });
});

describe("the slices the worker sends", () => {
  test("each message carries a bounded part of a 10,000-user config, never the whole", () => {
    const checked = checkConfigText(bigConfig(10_000), "c.yaml", { env: {} });
    const sizes = [...replyParts(checked)].map((part) => JSON.stringify(part).length);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    expect(total).toBeGreaterThan(500_000);
    // About 4,000 values per message, whatever the size of the config.
    expect(Math.max(...sizes)).toBeLessThan(80_000);
    expect(sizes.length).toBeGreaterThan(10);
  });

  test("a rejected config sends its secrets first, then the issues", () => {
    const parts = [...replyParts(checkConfigText("clients:\n  a:\n    token: ${T}\n    allow: 1\n", "c.yaml", { env: { T: "s3cret-from-env-991" } }))];
    expect(parts.map((part) => part.kind)).toEqual(["secrets", "done"]);
  });
});
