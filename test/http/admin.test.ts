// The admin routes without sockets: the real router, config store (reloading a real file)
// and key store (keys.log in a temp dir). Who may call, the list's order and filters,
// every refusal (a clear 4xx that changes nothing), revoking, and reload outcomes.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { addAdminRoutes, type KeyAdmin } from "../../src/http/admin.ts";
import { Authenticator } from "../../src/http/auth.ts";
import { Router } from "../../src/http/router.ts";
import { KeysResponse } from "../../src/http/schemas.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { Value } from "@sinclair/typebox/value";

const ADMIN = "admin-token-0123456789abcdef";
const ERP = "erp-token-0123456789abcdef";
const BOT = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const BOT_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBB";

const configText = (clients = `clients:\n  ops: { token: ${ADMIN}, admin: true }\n  erp: { token: ${ERP} }\n`) =>
  `data_dir: ./data\n${clients}bots:\n  main: { token: "${BOT}" }\n  second: { token: "${BOT_B}" }\nusers:\n  ivanov: 10000001\n  petrov: [10000002, 10000005]\n`;

const at = (day: number) => `2026-11-${String(day).padStart(2, "0")}T10:00:00.000Z`;
const issued = (key: string, chat: number, day: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: `u${chat}`, name: `N${chat}`, requested_by: chat, at: at(day), ...fields }) + "\n";
/** ivanov (assigned), petrov (assigned, blocked), two unassigned, one revoked by its person, one of a removed bot. */
const KEY_LOG =
  issued("10000001", 1, 1) +
  issued("10000002", 2, 2) +
  issued("10000003", 3, 3) +
  issued("10000004", 4, 4) +
  issued("10000005", 5, 5, { bot: "second" }) +
  issued("10000006", 6, 6, { bot: "gone" }) +
  JSON.stringify({ type: "blocked", key: "10000002", reason: "the person blocked the bot", at: at(7) }) + "\n" +
  JSON.stringify({ type: "revoked", key: "10000004", by: "user", at: at(8) }) + "\n";

let dir: string;
let file: string;
let registry: KeyRegistry;
let store: ConfigStore;
let router: Router;
let log: ReturnType<typeof createMemoryLogger>;
let told: string[];

async function setup(config = configText(), keyLogText = KEY_LOG): Promise<void> {
  await writeFile(file, config);
  await writeFile(join(dir, "data", "keys.log"), keyLogText);
  registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: join(dir, "data") });
  const loader = () => loadConfigFile(bunPlatform, file, { env: {} });
  log = createMemoryLogger("info");
  store = new ConfigStore(await loader(), loader, log);
  router = new Router(log);
  told = [];
  // The gateway's wiring (gateway/admin.ts) in small: the real store's revocation, the telling recorded.
  const keys: KeyAdmin = {
    list: () => registry.list(),
    async revoke(key) {
      if (!registry.lookup(key)) return undefined;
      const revoked = await registry.revokeKey(key, "admin");
      if (revoked) told.push(key);
      return { record: registry.lookup(key)!, revoked, told: revoked };
    },
  };
  addAdminRoutes({ router, store, auth: new Authenticator(systemClock), keys, log });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-admin-"));
  file = join(dir, "config.yaml");
  await Bun.write(join(dir, "data", ".keep"), "");
  await setup();
});
afterEach(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const call = (method: string, path: string, token: string | null = ADMIN, remoteAddr = "10.0.0.9") =>
  router.handle(new Request(`http://127.0.0.1:8787${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} }), { remoteAddr });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bodyOf = async (res: Response): Promise<any> => res.json();
const keysOf = async (path: string) => (await bodyOf(await call("GET", path))).keys.map((row: { key: string }) => row.key);
const keyLog = () => readFile(join(dir, "data", "keys.log"), "utf8");

describe("GET /keys", () => {
  test("unassigned active keys first, then assigned, blocked, revoked; newest first within; the documented shape", async () => {
    const res = await call("GET", "/keys");
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(Value.Check(KeysResponse, body)).toBe(true);
    expect(body.keys.map((row: { key: string; user: string | null; status: string }) => [row.key, row.status, row.user])).toEqual([
      ["10000006", "active", null],
      ["10000003", "active", null],
      ["10000005", "active", "petrov"],
      ["10000001", "active", "ivanov"],
      ["10000002", "blocked", "petrov"],
      ["10000004", "revoked", null],
    ]);
    expect(body.keys[1]).toEqual({
      key: "10000003", status: "active", bot: "main", chat_id: 3, chat_type: "private", username: "u3", name: "N3", user: null, issued_at: at(3), requested_by: 3,
    });
    expect(body.keys[5]).toMatchObject({ status: "revoked", revoked_by: "user" });
    expect(log.lines.some((line) => line.includes("admin: keys listed") && line.includes("client=ops") && line.includes("keys=6"))).toBe(true);
  });

  test("filters by status (any case) and bot, alone and together; a bot keys.log still names is a bot", async () => {
    expect(await keysOf("/keys?status=active")).toEqual(["10000006", "10000003", "10000005", "10000001"]);
    expect(await keysOf("/keys?status=REVOKED")).toEqual(["10000004"]);
    expect(await keysOf("/keys?status=blocked&bot=main")).toEqual(["10000002"]);
    expect(await keysOf("/keys?bot=second")).toEqual(["10000005"]);
    expect(await keysOf("/keys?bot=gone")).toEqual(["10000006"]);
    expect(await keysOf("/keys?status=revoked&bot=second")).toEqual([]);
  });

  test("a long list is written in pieces that make one JSON document, in order", async () => {
    await registry.close();
    const many = Array.from({ length: 4500 }, (_, i) => issued(String(20_000_000 + i), 100 + i, 1, { at: new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString() })).join("");
    await setup(configText(), KEY_LOG + many);
    const keys = await keysOf("/keys");
    expect(keys).toHaveLength(4506);
    expect(keys.slice(0, 3)).toEqual(["20004499", "20004498", "20004497"]);
    expect(keys.slice(-4)).toEqual(["10000005", "10000001", "10000002", "10000004"]);
    expect(new Set(keys).size).toBe(4506);
  });

  test("bad filters are a clear 400 naming the problem", async () => {
    const refused = async (path: string) => {
      const res = await call("GET", path);
      return { status: res.status, ...(await bodyOf(res)).error };
    };
    expect(await refused("/keys?status=gone")).toMatchObject({ status: 400, code: "bad_field", message: expect.stringContaining("status") });
    expect(await refused("/keys?status=active&status=revoked")).toMatchObject({ status: 400, code: "bad_field" });
    expect(await refused("/keys?bot=maim")).toEqual({ status: 400, code: "unknown_bot", message: 'unknown bot "maim"; did you mean "main"?; the bots are main, second' });
    expect(await refused("/keys?stauts=active")).toMatchObject({ status: 400, code: "unknown_field", message: expect.stringContaining('did you mean "status"') });
  });
});

describe("POST /keys/{key}/revoke", () => {
  test("revokes as the admin: keys.log records it, the person is told, the answer shows the key; a second time changes nothing", async () => {
    const res = await call("POST", "/keys/10000003/revoke");
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toMatchObject({ revoked: true, told: true, key: { key: "10000003", status: "revoked", revoked_by: "admin", user: null } });
    expect((await keyLog()).trim().split("\n").at(-1)).toMatch(/^\{"type":"revoked","key":"10000003","by":"admin","at":"[^"]+"\}$/);
    expect(told).toEqual(["10000003"]);
    expect(log.lines.some((line) => line.includes("admin: key revoked") && line.includes("client=ops") && line.includes("key=10000003"))).toBe(true);
    const before = await keyLog();
    const again = await call("POST", "/keys/10000003/revoke");
    expect({ status: again.status, body: await bodyOf(again) }).toMatchObject({ status: 200, body: { revoked: false, told: false, key: { status: "revoked" } } });
    expect(await keyLog()).toBe(before);
    expect(told).toEqual(["10000003"]);
  });

  test("an assigned key shows its user; an unknown key is 404 and nothing is written", async () => {
    expect((await bodyOf(await call("POST", "/keys/10000001/revoke"))).key.user).toBe("ivanov");
    const before = await keyLog();
    const res = await call("POST", "/keys/99999999/revoke");
    expect({ status: res.status, ...(await bodyOf(res)).error }).toEqual({ status: 404, code: "unknown_key", message: 'no key "99999999" in keys.log; GET /keys lists the keys' });
    expect(await keyLog()).toBe(before);
  });
});

describe("POST /reload", () => {
  test("a changed file is applied (reloaded: true); the same file again is unchanged (reloaded: false)", async () => {
    await writeFile(file, configText() + "groups:\n  ops: []\n");
    const res = await call("POST", "/reload");
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body).toMatchObject({ reloaded: true, file });
    expect(body.warnings).toEqual([{ file, line: 12, col: 8, message: "groups.ops is empty; notifications to it will be rejected" }]);
    expect(store.current.groups.has("ops")).toBe(true);
    expect(await bodyOf(await call("POST", "/reload"))).toMatchObject({ reloaded: false, file });
    expect(log.lines.some((line) => line.includes("admin: config reload") && line.includes("client=ops") && line.includes("outcome=applied"))).toBe(true);
  });

  test("a broken file is 422 with every error at its file:line:col; the last good config stays", async () => {
    await writeFile(file, configText() + "users:\n  x: 1\nbogus: 1\n");
    const res = await call("POST", "/reload");
    expect(res.status).toBe(422);
    const { error } = await bodyOf(res);
    expect(error.code).toBe("config_invalid");
    expect(error.issues.map((issue: { line: number; col: number; message: string }) => `${issue.line}:${issue.col} ${issue.message}`)).toEqual([
      '11:1 duplicate key "users": it already appears at line 8; keep one',
      '13:1 unknown key "bogus" in config',
    ]);
    expect(error.message).toStartWith(`the config was not reloaded: 2 errors (see issues), the first: ${file}:11:1 duplicate key`);
    expect(error.message).toEndWith("; the last good config stays in force");
    expect(store.current.users.has("ivanov")).toBe(true);
    expect(store.state.lastReloadSuccessful).toBe(false);
  });
});

describe("who may call", () => {
  test("a client without admin: true gets 403 forbidden_admin on every route, and nothing happens", async () => {
    const before = await keyLog();
    await writeFile(file, configText() + "groups:\n  ops: [ivanov]\n");
    for (const [method, path] of [["GET", "/keys"], ["POST", "/keys/10000003/revoke"], ["POST", "/reload"]] as const) {
      const res = await call(method, path, ERP);
      expect({ path, status: res.status, ...(await bodyOf(res)).error }).toEqual({
        path, status: 403, code: "forbidden_admin", message: 'client "erp" may not use the admin API; set clients.erp.admin: true in the config',
      });
    }
    expect(await keyLog()).toBe(before);
    expect(told).toEqual([]);
    expect(store.current.groups.size).toBe(0);
    expect(log.lines.filter((line) => line.includes("admin: refused a client that is not an admin") && line.includes("client=erp"))).toHaveLength(3);
  });

  test("no token or an unknown one is 401 on every route", async () => {
    for (const [method, path] of [["GET", "/keys"], ["POST", "/keys/10000003/revoke"], ["POST", "/reload"]] as const) {
      expect((await call(method, path, null)).status).toBe(401);
      expect((await call(method, path, "not-a-configured-token-at-all")).status).toBe(401);
    }
  });

  test("with no clients configured, the local caller is the admin; anyone else is 403", async () => {
    await registry.close();
    await setup(configText(""));
    expect((await call("GET", "/keys", null, "127.0.0.1")).status).toBe(200);
    expect((await call("POST", "/keys/10000003/revoke", null, "::1")).status).toBe(200);
    const remote = await call("POST", "/reload", null, "192.168.1.20");
    expect({ status: remote.status, code: (await bodyOf(remote)).error.code }).toEqual({ status: 403, code: "forbidden" });
    expect(log.lines.some((line) => line.includes("admin: key revoked") && line.includes("client=local"))).toBe(true);
  });
});
