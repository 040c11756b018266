import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import type { Config } from "../../src/config/types.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { load } from "./helpers.ts";

const configFor = (port: number): Config => load(`listen: 127.0.0.1:${port}\n`);

describe("ConfigStore", () => {
  test("a valid reload swaps the config and tells subscribers (next, previous)", async () => {
    let next = configFor(1);
    const store = new ConfigStore(configFor(0), async () => next, createMemoryLogger(), () => 5_000);
    const seen: Array<[number, number]> = [];
    store.subscribe((n, p) => void seen.push([n.listen.port, p.listen.port]));
    next = configFor(1);
    expect(await store.reload("test")).toBe("applied");
    expect(store.current.listen.port).toBe(1);
    expect(seen).toEqual([[1, 0]]);
    expect(store.state).toMatchObject({ lastReloadSuccessful: true, lastSuccessAt: 5, lastError: null });
  });

  test("an invalid reload keeps the last good config and records the positioned errors", async () => {
    const log = createMemoryLogger();
    const store = new ConfigStore(configFor(0), async () => load("listen: nowhere\n"), log);
    expect(await store.reload("test")).toBe("rejected");
    expect(store.current.listen.port).toBe(0);
    expect(store.state.lastReloadSuccessful).toBe(false);
    expect(store.state.lastErrorIssues.map((i) => `${i.line}:${i.col}`)).toEqual(["1:9"]);
    expect(log.lines.some((line) => line.includes('c.yaml:1:9 listen: cannot parse "nowhere"'))).toBe(true);
  });

  test("unchanged content is not a reload; a failing subscriber does not stop the others", async () => {
    const initial = configFor(0);
    let next = initial;
    const log = createMemoryLogger();
    const store = new ConfigStore(initial, async () => next, log);
    const seen: number[] = [];
    store.subscribe(() => {
      throw new Error("boom");
    });
    store.subscribe((n) => void seen.push(n.listen.port));
    expect(await store.reload("test")).toBe("unchanged");
    next = configFor(2);
    expect(await store.reload("test")).toBe("applied");
    expect(seen).toEqual([2]);
    expect(log.lines.some((line) => line.includes("applying the new config failed in a subscriber"))).toBe(true);
  });

  test("reloads run one at a time, in order", async () => {
    const order: string[] = [];
    let calls = 0;
    const store = new ConfigStore(configFor(0), async () => {
      const n = ++calls;
      order.push(`start ${n}`);
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 20 : 0));
      order.push(`end ${n}`);
      return configFor(n);
    }, createMemoryLogger());
    await Promise.all([store.reload("a"), store.reload("b")]);
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    expect(store.current.listen.port).toBe(2);
  });

  test("a report carries its own reload's errors, whatever a reload queued after it does", async () => {
    const files = ["listen: nowhere\n", "listen: 127.0.0.1:3\n"];
    const store = new ConfigStore(configFor(0), async () => load(files.shift()!), createMemoryLogger());
    const [bad, good] = await Promise.all([store.reloadReport("admin"), store.reloadReport("SIGHUP")]);
    expect(bad.result).toBe("rejected");
    expect(bad.state.lastErrorIssues.map((issue) => `${issue.line}:${issue.col}`)).toEqual(["1:9"]);
    expect(good).toMatchObject({ result: "applied", state: { lastReloadSuccessful: true, lastErrorIssues: [] } });
  });
});

describe("reload of an empty file", () => {
  test("is rejected (a write in progress), keeping the last good config; at start an empty file is fine", async () => {
    expect(parseConfig("", "c.yaml", { env: {} }).users.size).toBe(0);
    const store = new ConfigStore(
      load("users: { ivanov: 48213977 }\n"),
      async () => parseConfig("  \n", "c.yaml", { env: {}, displayName: "c.yaml", allowEmpty: false }),
      createMemoryLogger(),
    );
    expect(await store.reload("file changed")).toBe("rejected");
    expect(store.current.users.has("ivanov")).toBe(true);
    expect(store.state.lastError).toContain("c.yaml:1:1 the file is empty (a write still in progress?)");
  });
});
