// ntfy and Gotify with no `clients` configured: as on /notify, only local programs may
// publish (a loopback peer, a local Host, no Origin); Gotify has no client `to` to use.
// (Its own file: one gateway per test process, as croner's job names are global.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import { jsonOf, PEOPLE, startNotifyHarness, type NotifyHarness } from "./notify-harness.ts";

let local: NotifyHarness;
beforeAll(async () => {
  local = await startNotifyHarness({ clients: null });
});
afterAll(() => local.close());

test("local programs publish without a token, as on /notify; a web page (Origin) may not; Gotify has no `to` to use", async () => {
  const res = await fetch(`${local.url}/petrov`, { method: "POST", body: "local-1" });
  expect(res.status).toBe(200);
  await local.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat && m.plain_text === "local-1");
  const page = await fetch(`${local.url}/petrov`, { method: "POST", headers: { Origin: "https://evil.example" }, body: "x" });
  expect({ status: page.status, code: (await jsonOf(page)).code }).toEqual({ status: 403, code: 40301 });
  const gotify = await fetch(`${local.url}/message`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: "x" }) });
  expect({ status: gotify.status, description: (await jsonOf(gotify)).errorDescription }).toEqual({
    status: 403,
    description: 'a Gotify message names no recipient and no clients are configured, so none has a "to"; add clients.<id>.to: [users or groups its messages go to]',
  });
});
