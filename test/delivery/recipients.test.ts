// Names → users → keys → chats: each person once, and refusals whose messages stay short
// however many names a request carries (a body may hold 100,000 of them).
import { describe, expect, test } from "bun:test";
import { resolveRecipients } from "../../src/delivery/recipients.ts";
import type { KeyLookup, KeyRecord } from "../../src/keys/types.ts";
import { refusal } from "../helpers/refusal.ts";
import { BOT_TOKEN, load, yaml } from "../config/helpers.ts";

const config = load(yaml`
  bots:
    main: { token: "${BOT_TOKEN}" }
  users:
    ivanov: 48213977
    petrov: 51928374
    sidorov: 60011223
  groups:
    ops: [ivanov, petrov]
`);

const keys: KeyLookup = {
  lookup: (key) => (key === "60011223" ? undefined : ({ key, bot: "main", chatId: Number(key), chatType: "private", username: null, name: null, issuedAt: "2026-11-25T09:00:00.000Z", status: "active" } satisfies KeyRecord)),
  recordBlocked: async () => {},
  recordMigrated: async () => {},
};

const resolve = (names: string[], allow: string[] | null = null) => resolveRecipients({ config, keys, names, allow, clientId: "erp" });

test("a person named directly and through a group is reached once", () => {
  expect(resolve(["ivanov", "ops", "petrov"]).map((recipient) => recipient.user)).toEqual(["ivanov", "petrov"]);
});

describe("messages about many names stay short", () => {
  const many = Array.from({ length: 100_000 }, (_, i) => `ivanof${i}`);

  test("unknown names: the first ten are listed, suggestions for the first three", () => {
    const { code, message } = refusal(() => resolve(["ivanof", "petrof", "sidorof", "opz", ...many]));
    expect(code).toBe("unknown_recipient");
    expect(message.match(/did you mean/g)).toHaveLength(3);
    expect(message).toStartWith('unknown recipient "ivanof"; did you mean "ivanov"?');
    expect(message).toContain("; and 99994 more; recipients are the users and groups in the config");
    expect(message.length).toBeLessThan(1000);
  });

  test("a very long name is cut short", () => {
    expect(refusal(() => resolve(["x".repeat(1_000_000)])).message.length).toBeLessThan(200);
  });

  test("names outside the allow list", () => {
    const { code, message } = refusal(() => resolve(["sidorov"], ["ops"]));
    expect({ code, message }).toEqual({ code: "forbidden_recipient", message: 'client "erp" may not notify "sidorov"; its allow list is [ops]' });
  });

  test("a scoped client: many names outside its scope, listed as given, suggestions only from inside it", () => {
    const { code, message } = refusal(() => resolve(["petrof", "sidorof", "ops", ...many], ["ops"]));
    expect(code).toBe("forbidden_recipient");
    expect(message).toStartWith('client "erp" may not notify "petrof" (did you mean "petrov"?), "sidorof", "ivanof0"');
    expect(message).not.toContain("sidorov");
    expect(message).toContain(", and 99992 more; its allow list is [ops]");
    expect(message.length).toBeLessThan(1000);
  });

  test("a group outside the scope is refused by its name, without naming its members", () => {
    const scoped = load(yaml`
      bots:
        main: { token: "${BOT_TOKEN}" }
      users:
        ivanov: 48213977
        sidorov: 60011223
      groups:
        ops: [ivanov]
        night: [ivanov, sidorov]
        day: [ivanov]
        empty: []
    `);
    const resolveScoped = (names: string[]) => resolveRecipients({ config: scoped, keys, names, allow: ["ops"], clientId: "ci" });
    expect(refusal(() => resolveScoped(["night"])).message).toBe('client "ci" may not notify "night"; its allow list is [ops]');
    // A group of members it may notify is within scope; an empty one outside the allow list is not.
    expect(resolveScoped(["day"]).map((recipient) => recipient.user)).toEqual(["ivanov"]);
    expect(refusal(() => resolveScoped(["empty"])).code).toBe("forbidden_recipient");
  });

  test("a key the key log does not know is named", () => {
    expect(refusal(() => resolve(["sidorov"]))).toEqual({
      code: "recipient_unreachable",
      message: 'key 60011223 of user "sidorov" is not in the key log: the person must send /key to the bot and the admin must put that key in users',
    });
  });
});

test("a key that can no longer be used fails at accept, saying who stopped it", () => {
  const record = (status: KeyRecord["status"], revokedBy?: "user" | "admin"): KeyRecord => ({
    key: "48213977", bot: "main", chatId: 48213977, chatType: "private", username: null, name: null, issuedAt: "2026-11-25T09:00:00.000Z", status, ...(revokedBy && { revokedBy }),
  });
  const reasonFor = (found: KeyRecord) => resolveRecipients({ config, keys: { ...keys, lookup: () => found }, names: ["ivanov"], allow: null, clientId: "erp" })[0]!;
  expect(reasonFor(record("active"))).toMatchObject({ status: "queued" });
  expect(reasonFor(record("revoked", "admin"))).toMatchObject({ status: "failed", reason: expect.stringContaining("the admin revoked key 48213977;") });
  expect(reasonFor(record("revoked", "user"))).toMatchObject({ status: "failed", reason: "the person revoked this key (/stop)" });
  expect(reasonFor(record("blocked"))).toMatchObject({ status: "failed", reason: "the person blocked the bot" });
});
