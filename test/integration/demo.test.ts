// `tgsignal demo --auto` plays the whole flow a newcomer types by hand.
import { expect, test } from "bun:test";
import { BUN_COMMAND, runToExit } from "./serve-process.ts";

test("demo --auto: key, assignment, notify, delivery", async () => {
  const { code, stdout, stderr } = await runToExit(BUN_COMMAND, ["demo", "--auto", "--port", "0"], { TGSIGNAL_LOG: "warn" });
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/Your key: [1-9]\d{7}/);
  expect(stdout).toContain("config reloaded: alice is a known user");
  expect(stdout).toContain("HTTP 200");
  expect(stdout).toMatch(/Alice's Telegram shows:\n\s+Disk almost full on db1/);
}, 60_000);
