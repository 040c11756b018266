import { afterEach, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareEventIds, cursorFileName, cursorPath, WebhookCursor } from "../../src/events/webhook-cursor.ts";
import { StateError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

test("saved atomically under data_dir/webhooks/<client>.json and read back", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-cursor-"));
  const cursor = new WebhookCursor(bunPlatform, dir, "erp");
  expect(await cursor.load()).toBeNull();
  await cursor.save("1042");
  expect(cursor.path).toBe(join(dir, "webhooks", "erp.json"));
  expect(JSON.parse(await readFile(cursor.path, "utf8"))).toEqual({ client: "erp", after: "1042" });
  expect(await new WebhookCursor(bunPlatform, dir, "erp").load()).toBe("1042");
  // No temp files left beside it.
  expect(await readdir(join(dir, "webhooks"))).toEqual(["erp.json"]);
});

test("a hand-written cursor is read, a number too", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-cursor-"));
  await mkdir(join(dir, "webhooks"));
  await writeFile(cursorPath(dir, "erp"), '{"after": 17}');
  expect(await new WebhookCursor(bunPlatform, dir, "erp").load()).toBe("17");
});

test("a damaged cursor is a StateError that names the file and the fix; nothing is guessed", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-cursor-"));
  await mkdir(join(dir, "webhooks"));
  const cursor = new WebhookCursor(bunPlatform, dir, "erp");
  for (const text of ['{"after":"12a"}', '{"after":"-1"}', '{"after":"007"}', "{trunc", "null", '{"after":1.5}']) {
    await writeFile(cursor.path, text);
    const error = await cursor.load().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(String(error)).toContain(cursor.path);
    expect(String(error)).toContain('write {"after":"<id of the last event the receiver has>"}');
  }
});

test("client ids become safe file names: nothing leaves the directory, distinct ids stay distinct", () => {
  expect(cursorFileName("1c-erp_2")).toBe("1c-erp_2.json");
  expect(cursorFileName("../../etc/passwd")).toBe("%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.json");
  expect(cursorFileName("..")).toBe("%2E%2E.json");
  expect(cursorFileName("Бухгалтерия")).toBe(`${encodeURIComponent("Бухгалтерия")}.json`);
  expect(cursorFileName("a b")).not.toBe(cursorFileName("a_b"));
  expect(cursorPath("/data", "../x")).toBe("/data/webhooks/%2E%2E%2Fx.json");
});

test("event ids compare as numbers, whatever their length", () => {
  expect(compareEventIds("9", "10")).toBeLessThan(0);
  expect(compareEventIds("100", "99")).toBeGreaterThan(0);
  expect(compareEventIds("12345678901234567890", "12345678901234567890")).toBe(0);
  expect(compareEventIds("0", "1")).toBeLessThan(0);
});
