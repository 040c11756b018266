// An ntfy request mapped onto a notification: priorities, emoji tags, the tag line,
// links, markdown, the text's defaults, what is ignored and what is refused.
import { describe, expect, test } from "bun:test";
import { mapNtfy, parseNtfyPriority, urgencyOf, type NtfyRequest } from "../../../src/http/compat/ntfy-publish.ts";
import { toNotifyInput } from "../../../src/http/compat/peer-message.ts";
import { refusal } from "../../helpers/refusal.ts";

const request = (params: NtfyRequest["params"], extra: Partial<NtfyRequest> = {}): NtfyRequest => ({ topic: "ops", to: ["ops"], params, message: "Disk 91% on db1", ...extra });
const input = (params: NtfyRequest["params"], extra: Partial<NtfyRequest> = {}) => toNotifyInput(mapNtfy(request(params, extra)).message);

describe("priority", () => {
  test("1–5 and their names (docs.ntfy.sh: min, low, default, high, max/urgent)", () => {
    const names = ["min", "low", "default", "high", "max", "urgent"].map(parseNtfyPriority);
    expect(names).toEqual([1, 2, 3, 4, 5, 5]);
    expect(["1", "2", "3", "4", "5", " HIGH "].map(parseNtfyPriority)).toEqual([1, 2, 3, 4, 5, 4]);
    expect(parseNtfyPriority(undefined)).toBe(0);
  });

  test("RFC 9218's own Priority header (u=…, added by proxies) counts as the default, as in ntfy", () => {
    expect(parseNtfyPriority("u=1, i")).toBe(3);
  });

  test("anything else is a 400 bad_priority naming the choices", () => {
    expect(refusal(() => parseNtfyPriority("6"))).toEqual({ code: "bad_priority", message: 'priority: "6" is not an ntfy priority; use 1–5, or min, low, default, high, max (urgent)' });
    expect(refusal(() => parseNtfyPriority("critical")).code).toBe("bad_priority");
  });

  test("1–2 arrive silently, 4 and 5 carry ❗ and ‼️ before the title, 3 (or none) is plain", async () => {
    expect([0, 1, 2, 3, 4, 5].map(urgencyOf)).toEqual(["normal", "silent", "silent", "normal", "high", "max"]);
    expect(await input({ priority: "min" })).toMatchObject({ silent: true });
    expect(await input({ priority: "low" })).toMatchObject({ silent: true });
    expect(await input({ priority: "default", title: "db1" })).toEqual({ to: ["ops"], text: "Disk 91% on db1", format: "html", silent: false, title: "db1" });
    expect(await input({ priority: "high", title: "db1" })).toMatchObject({ title: "❗ db1", silent: false });
    expect(await input({ priority: "urgent", title: "db1" })).toMatchObject({ title: "‼️ db1", silent: false });
    expect(await input({ priority: "5" })).toMatchObject({ text: "‼️ Disk 91% on db1" });
  });
});

describe("tags", () => {
  test("emoji short codes become emoji before the title, in order; the rest a Tags: line", async () => {
    expect(await input({ title: "Unauthorized access detected", priority: "urgent", tags: "warning,skull,phils-laptop" })).toMatchObject({
      title: "‼️ ⚠️ 💀 Unauthorized access detected",
      text: "Disk 91% on db1\n\n<i>Tags: phils-laptop</i>",
    });
  });

  test("without a title, the emoji go before the text; tag text is escaped", async () => {
    expect((await input({ tags: "tada,<b>x</b>,a&b" })).text).toBe("🎉 Disk 91% on db1\n\n<i>Tags: &lt;b&gt;x&lt;/b&gt;, a&amp;b</i>");
  });

  test("ntfy's alert emoji (its docs' excerpt) and Uptime Kuma's", () => {
    const emoji = mapNtfy(request({ tags: "+1,partying_face,tada,heavy_check_mark,loudspeaker,-1,warning,rotating_light,triangular_flag_on_post,skull,facepalm,no_entry,no_entry_sign,cd,computer,red_circle,green_circle,test_tube" })).message.emoji;
    expect(emoji.join(" ")).toBe("👍 🥳 🎉 ✔️ 📢 👎 ⚠️ 🚨 🚩 💀 🤦 ⛔ 🚫 💿 💻 🔴 🟢 🧪");
  });

  test("more tags than 20 messages could show are refused before they are looked at (text_too_long)", () => {
    const tags = (count: number) => Array.from({ length: count }, (_, i) => (i % 2 ? "tada" : `t${i}`)).join(",");
    expect(refusal(() => mapNtfy(request({ tags: tags(20 * 4096 + 1) })))).toMatchObject({ code: "text_too_long", message: expect.stringContaining("81921 tags") });
    expect(mapNtfy(request({ tags: tags(20 * 4096) })).echo.tags).toHaveLength(20 * 4096);
  });

  test("the answer lists the tags as sent", () => {
    expect(mapNtfy(request({ tags: "warning, db1" })).echo.tags).toEqual(["warning", "db1"]);
  });
});

describe("links", () => {
  test("Click becomes a button labelled with the host; view actions a row before it", async () => {
    expect((await input({ click: "https://grafana.local/d/1", actions: "view, Open dashboard, https://grafana.local/d/2" })).buttons).toEqual([
      [{ text: "Open dashboard", url: "https://grafana.local/d/2" }],
      [{ text: "🔗 grafana.local", url: "https://grafana.local/d/1" }],
    ]);
  });

  test("a Click that is no web link is refused (bad_buttons), as a button would be", () => {
    expect(refusal(() => mapNtfy(request({ click: "mailto:phil@example.com" })))).toEqual({
      code: "bad_buttons",
      message: 'Click: "mailto:phil@example.com" is not an http:// or https:// URL of at most 2048 characters; a Telegram button opens only web links',
    });
  });

  test("the JSON form's actions list wins over an Actions header", () => {
    const mapped = mapNtfy(request({ actions: "view, Header, https://h.example" }, { actions: [{ action: "view", label: "Json", url: "https://j.example" }] }));
    expect(mapped.message.buttons).toEqual([[{ text: "Json", url: "https://j.example" }]]);
    expect(mapped.echo.actions).toEqual([{ action: "view", label: "Json", url: "https://j.example", clear: false }]);
  });
});

describe("text", () => {
  test("the body, trimmed; else the Message parameter with its \\n escapes; else ntfy's \"triggered\"", () => {
    expect(mapNtfy(request({}, { message: "  hi \n" })).message.text).toBe("hi");
    expect(mapNtfy(request({ message: "line 1\\nline 2" }, { message: "" })).message.text).toBe("line 1\nline 2");
    expect(mapNtfy(request({}, { message: undefined })).message.text).toBe("triggered");
  });

  test("Markdown: yes (or Content-Type: text/markdown) renders the markdown subset", async () => {
    expect((await input({ markdown: "yes" }, { message: "**bold**" })).text).toBe("<b>bold</b>");
    expect((await input({}, { message: "**bold**", markdownType: true })).text).toBe("<b>bold</b>");
    expect((await input({ markdown: "no" }, { message: "**bold**" })).text).toBe("**bold**");
    expect(mapNtfy(request({ markdown: "1" })).echo.content_type).toBe("text/markdown");
  });

  test("plain text is escaped for Telegram's HTML", async () => {
    expect((await input({}, { message: "a < b && <script>" })).text).toBe("a &lt; b &amp;&amp; &lt;script&gt;");
  });

  test("a title over 256 characters is refused like /notify's", () => {
    expect(refusal(() => mapNtfy(request({ title: "t".repeat(257) }))).code).toBe("bad_title");
  });
});

describe("ignored and refused", () => {
  test("Email, Call and Icon are ignored, each with a warning", () => {
    expect(mapNtfy(request({ email: "phil@example.com", call: "yes", icon: "https://x/i.png" })).warnings).toEqual([
      "Email ignored: tgsignal delivers to Telegram only",
      "Call ignored: tgsignal makes no phone calls",
      "Icon ignored: a Telegram message has no notification icon",
    ]);
  });

  test("Delay/At/In: durations in ntfy's spellings are delays, other values times; natural language is refused", () => {
    const when = (delay: string) => mapNtfy(request({ delay })).message.when;
    expect(when("30m")).toEqual({ kind: "delay", ms: 1_800_000, text: "30m" });
    expect(when("30min")).toEqual({ kind: "delay", ms: 1_800_000, text: "30m" });
    expect(when("2 days")).toEqual({ kind: "delay", ms: 172_800_000, text: "2d" });
    expect(when("10s")).toMatchObject({ kind: "delay", ms: 10_000 });
    expect(when("1795586400")).toMatchObject({ kind: "instant", epochMs: 1_795_586_400_000 });
    expect(when("09:30")).toMatchObject({ kind: "time_of_day", hour: 9, minute: 30 });
    expect(mapNtfy(request({})).message.when).toBeUndefined();
    expect(refusal(() => mapNtfy(request({ delay: "tomorrow, 10am" }))).code).toBe("bad_at");
  });
});
