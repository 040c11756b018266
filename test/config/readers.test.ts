import { expect, test } from "bun:test";
import { eventReaders } from "../../src/config/readers.ts";
import { BOT_TOKEN, CLIENT_TOKEN, load, yaml } from "./helpers.ts";

const base = yaml`
  bots: { main: { token: "${BOT_TOKEN}" } }
  users: { ivanov: 11111111, petrov: 22222222, sidorov: 33333333 }
  groups: { ops: [ivanov, petrov] }
`;

test("with no clients the local caller reads everyone's events", () => {
  expect(eventReaders(load(base), "local")).toBeNull();
});

test("receive with allow: the people of its users and groups; without receive: none; a webhook implies receive", () => {
  const config = load(
    base +
      yaml`
        clients:
          desk: { token: a${CLIENT_TOKEN}, receive: true, allow: [ops, sidorov] }
          all: { token: b${CLIENT_TOKEN}, receive: true }
          notifier: { token: c${CLIENT_TOKEN}, allow: [ops] }
          hook: { token: d${CLIENT_TOKEN}, allow: [petrov], webhook: { url: "https://erp.local/hook", secret: ${CLIENT_TOKEN} } }
      `,
  );
  expect([...(eventReaders(config, "desk") ?? [])].sort()).toEqual(["ivanov", "petrov", "sidorov"]);
  expect(eventReaders(config, "all")).toBeNull();
  expect(eventReaders(config, "notifier")).toBeUndefined();
  expect(eventReaders(config, "nobody")).toBeUndefined();
  expect([...(eventReaders(config, "hook") ?? [])]).toEqual(["petrov"]);
  // Computed once per config: the same set comes back.
  expect(eventReaders(config, "desk")).toBe(eventReaders(config, "desk"));
});
