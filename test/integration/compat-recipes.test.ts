// The recipes of README's "Speaking ntfy and Gotify", each sent the way the tool sends it
// (from its source: Uptime Kuma's ntfy.js and gotify.js, Home Assistant's rest notify
// with POST_JSON, Proxmox's Gotify target, Grafana's webhook contact point, ntfy's curl
// examples), checked on what reaches Telegram. apprise has its own test (apprise.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { PEOPLE, startNotifyHarness, type NotifyHarness } from "./notify-harness.ts";

const KUMA = "kuma-token-0123456789ab"; // ntfy access token, and Gotify application token (to: [petrov])
const PROXMOX = "proxmox-token-0123456789"; // to: [petrov]

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({ clients: [`  kuma: { token: ${KUMA}, to: [petrov] }`, `  proxmox: { token: ${PROXMOX}, to: [petrov] }`].join("\n") });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const toPetrov = (marker: string) => h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat && m.plain_text.includes(marker));

async function ok(res: Response): Promise<void> {
  expect({ status: res.status, body: await res.text() }).toMatchObject({ status: 200 });
}

describe("ntfy's curl examples", () => {
  test("curl -d", async () => {
    await ok(await fetch(`${h.url}/petrov`, { method: "POST", headers: { Authorization: `Bearer ${KUMA}` }, body: "Backup successful 😀" }));
    expect((await toPetrov("Backup successful")).plain_text).toBe("Backup successful 😀");
  });

  test("curl -u :token (Basic with no user name) and -H Title/Priority/Tags", async () => {
    const headers = { Authorization: `Basic ${btoa(`:${KUMA}`)}`, Title: "Unauthorized access detected", Priority: "urgent", Tags: "warning,skull" };
    await ok(await fetch(`${h.url}/petrov`, { method: "POST", headers, body: "Remote access to phils-laptop detected. Act right away." }));
    expect((await toPetrov("phils-laptop")).plain_text).toBe("‼️ ⚠️ 💀 Unauthorized access detected\nRemote access to phils-laptop detected. Act right away.");
  });
});

describe("Uptime Kuma", () => {
  test("ntfy type, monitor down: JSON to the server root, Bearer access token", async () => {
    const body = { topic: "petrov", message: "[web shop] [🔴 Down] connect ECONNREFUSED kuma-1", priority: 5, title: "web shop Down [Uptime-Kuma]", tags: ["red_circle", "env: prod"], actions: [{ action: "view", label: "Open web shop", url: "https://shop.local/" }] };
    await ok(await fetch(`${h.url}/`, { method: "POST", headers: { Authorization: `Bearer ${KUMA}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }));
    const sent = await toPetrov("kuma-1");
    expect(sent.plain_text).toBe("‼️ 🔴 web shop Down [Uptime-Kuma]\n[web shop] [🔴 Down] connect ECONNREFUSED kuma-1\n\nTags: env: prod");
    expect(sent.reply_markup).toEqual({ inline_keyboard: [[{ text: "Open web shop", url: "https://shop.local/" }]] });
  });

  test("ntfy type, the Test button: username/password with the token as password", async () => {
    const body = { topic: "petrov", title: "petrov [Uptime-Kuma]", message: "Uptime Kuma Testing kuma-2", priority: 3, tags: ["test_tube"] };
    await ok(await fetch(`${h.url}/`, { method: "POST", headers: { Authorization: `Basic ${btoa(`kuma:${KUMA}`)}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }));
    expect((await toPetrov("kuma-2")).plain_text).toBe("🧪 petrov [Uptime-Kuma]\nUptime Kuma Testing kuma-2");
  });

  test("Gotify type: POST {server}/message?token=…, priority 8 by default", async () => {
    await ok(await fetch(`${h.url}/message?token=${KUMA}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: "[web shop] [🔴 Down] kuma-3", priority: 8, title: "Uptime-Kuma" }) }));
    expect((await toPetrov("kuma-3")).plain_text).toBe("❗ Uptime-Kuma\n[web shop] [🔴 Down] kuma-3");
  });
});

test("Home Assistant's rest notify (method POST_JSON, data: {topic: petrov}, title_param_name: title)", async () => {
  const body = { message: "The garage door is open ha-1", title: "Garage", topic: "petrov" };
  await ok(await fetch(`${h.url}/`, { method: "POST", headers: { Authorization: `Bearer ${KUMA}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }));
  expect((await toPetrov("ha-1")).plain_text).toBe("Garage\nThe garage door is open ha-1");
});

test("Proxmox's Gotify target: JSON with markdown extras, the token in its headers", async () => {
  const body = { title: "vzdump backup status (pve1): backup successful", message: "**Details** proxmox-1\n\n- vm 100: ok", priority: 1, extras: { "client::display": { contentType: "text/markdown" } } };
  await ok(await fetch(`${h.url}/message`, { method: "POST", headers: { Authorization: `Bearer ${PROXMOX}`, "X-Gotify-Key": PROXMOX, "Content-Type": "application/json" }, body: JSON.stringify(body) }));
  const sent = await toPetrov("proxmox-1");
  expect(sent.plain_text).toBe("vzdump backup status (pve1): backup successful\nDetails proxmox-1\n\n• vm 100: ok");
});

test("Grafana's webhook contact point: URL …/petrov?template=grafana, Authorization Bearer", async () => {
  const payload = {
    receiver: "tgsignal",
    status: "firing",
    title: "[FIRING:1] DiskFull grafana-1",
    alerts: [{ status: "firing", labels: { alertname: "DiskFull", instance: "db1" }, annotations: { summary: "Disk 91% on db1" }, valueString: "[ var='A' value=91 ]", dashboardURL: "https://grafana.local/d/1" }],
  };
  await ok(await fetch(`${h.url}/petrov?template=grafana`, { method: "POST", headers: { Authorization: `Bearer ${KUMA}`, "Content-Type": "application/json" }, body: JSON.stringify(payload) }));
  const sent = await toPetrov("grafana-1");
  expect(sent.plain_text).toContain("DiskFull");
  expect(sent.plain_text).toContain("Disk 91% on db1");
});
