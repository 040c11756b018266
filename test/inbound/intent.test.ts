import { expect, test } from "bun:test";
import { DEFAULTS } from "../../src/config/types.ts";
import { normalizePhrase } from "../../src/config/checks.ts";
import { classifyMessage, decideAccess } from "../../src/inbound/intent.ts";

const phrases = DEFAULTS.keyPhrases.map(normalizePhrase);
const classify = (text: string, username: string | undefined = "signal_bot") => classifyMessage(text, username, phrases);

test("commands, with and without @botname, with arguments", () => {
  expect(classify("/start")).toEqual({ intent: "start", args: "", command: true, name: "start" });
  expect(classify("/key")).toMatchObject({ intent: "key", command: true });
  expect(classify("/KEY@Signal_Bot")).toMatchObject({ intent: "key" });
  expect(classify("/key@other_bot")).toBeUndefined();
  expect(classifyMessage("/key@other_bot", undefined, phrases)).toMatchObject({ intent: "key" });
  expect(classify("/key  tulip 42 ")).toMatchObject({ intent: "key", args: "tulip 42" });
  expect(classify("/stop")).toMatchObject({ intent: "stop" });
  expect(classify("/help")).toMatchObject({ intent: "help" });
  expect(classify("/settings")).toMatchObject({ intent: "command", command: true, name: "settings" });
  expect(classify("/Tasks@signal_bot  42 ")).toEqual({ intent: "command", args: "42", command: true, name: "tasks" });
  // Not Object.prototype's members.
  expect(classify("/constructor")).toMatchObject({ intent: "command", name: "constructor" });
  expect(classify("/toString")).toMatchObject({ intent: "command", name: "tostring" });
});

test("key phrases: case, spacing, punctuation and ё ignored; longest phrase first", () => {
  for (const text of ["мой ключ", "Мой КЛЮЧ!", "  мой,  ключ. ", "ключ", "My key?", "KEY", "мой ключ 🙂"]) {
    expect(classify(text)).toMatchObject({ intent: "key", command: false });
  }
  expect(classify("мой ключ тюльпан")).toMatchObject({ intent: "key", args: "тюльпан" });
  expect(classify("keyboard")).toMatchObject({ intent: "text", command: false });
  expect(classify("hello")).toMatchObject({ intent: "text", command: false });
});

test("access: open, allow-list by id or username, passphrase; listed people need no passphrase", () => {
  const ivan = { id: 1, username: "Ivan" };
  expect(decideAccess({ mode: "open" }, ivan, "")).toBe("allowed");
  const list = { mode: "restricted" as const, userIds: [1], usernames: ["petr"], passphrase: null };
  expect(decideAccess(list, ivan, "")).toBe("allowed");
  expect(decideAccess(list, { id: 2, username: "PETR" }, "")).toBe("allowed");
  expect(decideAccess(list, { id: 3 }, "anything")).toBe("denied");
  const pass = { mode: "restricted" as const, userIds: [], usernames: [], passphrase: "Tulip-42" };
  expect(decideAccess(pass, ivan, "")).toBe("passphrase_required");
  expect(decideAccess(pass, ivan, "wrong")).toBe("passphrase_required");
  expect(decideAccess(pass, ivan, "tulip 42")).toBe("allowed");
  expect(decideAccess({ ...pass, userIds: [1] }, ivan, "")).toBe("allowed");
});
