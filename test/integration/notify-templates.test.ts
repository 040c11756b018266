// POST /notify/{to}?template=alertmanager|grafana: monitoring webhooks straight in.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const alertmanager = {
  version: "4",
  status: "firing",
  groupLabels: { alertname: "DiskFull" },
  commonLabels: { alertname: "DiskFull" },
  alerts: [{ status: "firing", labels: { alertname: "DiskFull", instance: "db1" }, annotations: { summary: "Disk <91%> on db1" } }],
};

test("an Alertmanager webhook reaches the group as HTML, with query options applied", async () => {
  const res = await h.post("/notify/ops?template=alertmanager&silent=true", alertmanager);
  expect(res.status).toBe(200);
  // ivanov has keys on both bots, so the main bot's messages are the ones to check.
  const sent = h.api.emulator.sent(TOKEN);
  expect(sent.map((m) => m.chat_id).sort()).toEqual([PEOPLE.ivanov.chat, PEOPLE.petrov.chat].sort());
  expect(sent[0]!.parse_mode).toBe("HTML");
  expect(sent[0]!.disable_notification).toBe(true);
  expect(sent[0]!.plain_text).toContain("Disk <91%> on db1");
  expect(sent[0]!.plain_text).toContain("instance=db1");
});

test("a Grafana webhook is rendered with its title", async () => {
  const res = await h.post("/notify/ivanov?template=grafana", { status: "resolved", title: "[RESOLVED] High CPU", alerts: [{ status: "resolved", labels: { alertname: "HighCPU" } }] });
  expect(res.status).toBe(200);
  expect(h.api.emulator.sent()[0]!.plain_text).toStartWith("✅ [RESOLVED] High CPU");
});

test("bad template input is rejected and nothing is sent", async () => {
  const before = (await h.outboxLines()).length;
  const cases: Array<[string, unknown, string]> = [
    ["/notify/ops?template=alertmanger", alertmanager, "bad_template"],
    ["/notify/ops?template=alertmanager", { text: "not a webhook" }, "bad_body"],
    ["/notify/ops?template=alertmanager&text=x", alertmanager, "duplicate_field"],
    ["/notify/ops?template=grafana&colour=red", alertmanager, "unknown_field"],
    // No alert has 77,000 labels (reading and checking them held the loop for 25 ms).
    ["/notify/ops?template=alertmanager", { alerts: [{ labels: Object.fromEntries(Array.from({ length: 77_000 }, (_, i) => [`k${i}`, "v"])) }] }, "bad_body"],
  ];
  for (const [path, body, code] of cases) {
    const res = await h.post(path, body);
    expect({ path, status: res.status, code: ((await jsonOf(res)) as { error: { code: string } }).error.code }).toEqual({ path, status: 400, code });
  }
  const raw = await h.post("/notify/ops?template=alertmanager", undefined, { raw: "{not json", headers: { "Content-Type": "application/json" } });
  expect(raw.status).toBe(400);
  expect(h.api.emulator.sent()).toHaveLength(0);
  expect((await h.outboxLines()).length).toBe(before);
});
