// `tgsignal validate` in-process: what it accepts on the command line.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { runValidate } from "../../src/cli/validate.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { tempDir, writeConfig } from "../integration/serve-process.ts";

function context(out: string[]): CliContext {
  return { platform: bunPlatform, log: createMemoryLogger(), clock: systemClock, env: {}, print: (t) => void out.push(t), printError: (t) => void out.push(t) };
}

test("a file given positionally is validated; a second file is a usage error, not silently skipped", async () => {
  const dir = await tempDir();
  const good = await writeConfig(dir, "users:\n  ivanov: 48213977\n");
  const out: string[] = [];
  expect(await runValidate(context(out), [good])).toBe(0);
  // `validate good.yaml broken.yaml` said "good.yaml: OK" and exit 0: broken.yaml was never read.
  const broken = join(dir, "broken.yaml");
  await expect(runValidate(context(out), [good, broken])).rejects.toBeInstanceOf(UsageError);
  await expect(runValidate(context(out), ["-c", good, broken])).rejects.toBeInstanceOf(UsageError);
});
