// The worst inputs a client with a valid token can send, each at about the 1 MiB body
// limit, through a real `tgsignal serve` (issue: no input may block the event loop for more
// than ~50 ms). Each shape once stalled the gateway for seconds to minutes: quadratic or
// cubic text handling. The figure is the answer time of one request, median of 3, with
// /healthz probed meanwhile from another process (its slowest answer shows whether the
// loop was held).
import { join } from "node:path";
import { CLIENT_TOKEN, startBenchGateway } from "./_notify-setup.ts";
import { median, ms, printTable } from "./table.ts";

/** Bodies stay just under the 1 MiB body limit (a 413 would measure nothing). */
const LIMIT = 1_040_000;
const RUNS = 3;

interface Shape {
  name: string;
  contentType: string;
  /** Default /notify. */
  path?: string;
  /** The body with about `size` characters of hostile text. */
  make(size: number): string;
}

const json = (value: unknown) => JSON.stringify(value);
const fill = (size: number, unit: string, prefix = "", suffix = "") => prefix + unit.repeat(Math.floor((size - prefix.length - suffix.length) / unit.length)) + suffix;
const JSON_TYPE = "application/json";

const SHAPES: Shape[] = [
  { name: "markdown heading, one long run of spaces", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, " ", "# a", "b") }) },
  { name: "markdown, many ``` fences", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "```\n") }) },
  { name: "markdown, unclosed ```js fences", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "```js\n") }) },
  { name: "markdown, unclosed inline markers", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "**a *b _c ~~d ||e `f [g ") }) },
  // Attempts that read far: one opener with a megabyte after it, openers after letters, seven nested ones, code of <&>.
  { name: "markdown, ** then a megabyte", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "b", "**a ") }) },
  { name: "markdown, _a repeated", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "_a") }) },
  { name: "markdown, seven openers around a megabyte", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "h ", "**a __b ~~c ||d [e *f _g ", "g_ f*](http://x) d|| c~~ b__ a**") }) },
  { name: "markdown, a code block of <&>", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n / 2, "<&>", "```\n", "\n```") }) },
  { name: "markdown, empty headings (\"# \" lines)", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "# \n") }) },
  { name: "markdown, empty quote lines", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, ">\n") }) },
  { name: "markdown, blank lines", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, " \n", "x", "y") }) },
  { name: "markdown, a \"*\" per line", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "markdown", wait: 0, text: fill(n, "*\n") }) },
  { name: "text, one word, spaces, one word", contentType: JSON_TYPE, make: (n) => json({ to: "u1", wait: 0, text: fill(n, " ", "x", "y") }) },
  { name: "text, newlines", contentType: JSON_TYPE, make: (n) => json({ to: "u1", wait: 0, text: fill(n, "\n", "x", "y") }) },
  { name: "html, nested <b>", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "html", wait: 0, text: fill(n / 2, "<b>") + "x" + fill(n / 2, "</b>") }) },
  { name: "html, all '<'", contentType: JSON_TYPE, make: (n) => json({ to: "u1", format: "html", wait: 0, text: fill(n, "<") }) },
  { name: "form, one field repeated", contentType: "application/x-www-form-urlencoded", make: (n) => "text=x&wait=0&" + fill(n, "to=u1&").slice(0, -1) },
  { name: "JSON, known names repeated in to", contentType: JSON_TYPE, make: (n) => json({ text: "x", wait: 0, to: Array.from({ length: Math.floor(n / 6) }, (_, i) => `u${i % 50}`) }) },
  { name: "JSON, unknown names in to", contentType: JSON_TYPE, make: (n) => json({ text: "x", wait: 0, to: Array.from({ length: Math.floor(n / 12) }, (_, i) => `nobody${i}`) }) },
  { name: "one huge unknown name (did-you-mean)", contentType: JSON_TYPE, make: (n) => json({ text: "x", wait: 0, to: fill(n, "q") }) },
  // Files: a file name of dots and spaces (the sanitiser's trim), base64 that fails at its end,
  // a multipart body of almost-boundaries (the delimiter scan).
  { name: "attachment name of ' .' runs", contentType: JSON_TYPE, make: (n) => json({ to: "u1", wait: 0, attachments: [{ name: fill(n / 2, " .", "x"), data: "JVBERi0=" }] }) },
  { name: "attachment base64, bad at the end", contentType: JSON_TYPE, make: (n) => json({ to: "u1", wait: 0, attachments: [{ name: "a.pdf", data: fill(n, "QUJD", "", "*") }] }) },
  // Monitoring webhooks (?template=): a megabyte of alerts, and one alert of 80,000 labels.
  { name: "alertmanager webhook, alerts of {}", path: "/notify/u1?template=alertmanager&wait=0", contentType: JSON_TYPE, make: (n) => json({ alerts: Array.from({ length: Math.floor(n / 3) }, () => ({})) }) },
  { name: "alertmanager webhook, one alert's labels", path: "/notify/u1?template=alertmanager&wait=0", contentType: JSON_TYPE, make: (n) => json({ alerts: [{ labels: Object.fromEntries(Array.from({ length: Math.floor(n / 13) }, (_, i) => [`k${i}`, "v"])) }] }) },
  // ntfy's JSON publish: a megabyte of tags, of actions; /notify's buttons.
  { name: "ntfy JSON, tags", path: "/", contentType: JSON_TYPE, make: (n) => json({ topic: "u1", message: "x", tags: Array.from({ length: Math.floor(n / 6) }, (_, i) => (i % 2 ? "tada" : `t${i % 1000}`)) }) },
  { name: "ntfy JSON, actions", path: "/", contentType: JSON_TYPE, make: (n) => json({ topic: "u1", message: "x", actions: Array.from({ length: Math.floor(n / 60) }, () => ({ action: "view", label: "Open", url: "https://e.x/" })) }) },
  { name: "buttons, rows of one", contentType: JSON_TYPE, make: (n) => json({ to: "u1", text: "x", wait: 0, buttons: Array.from({ length: Math.floor(n / 30) }, () => [{ text: "A", data: "a:1" }]) }) },
  // Many fields: unknown names (each one a did-you-mean?), many small multipart parts.
  { name: "form, distinct unknown field names", contentType: "application/x-www-form-urlencoded", make: (n) => "to=u1&text=x&wait=0&" + Array.from({ length: Math.floor(n / 9) }, (_, i) => `f${i}=1`).join("&") },
  { name: "JSON, distinct unknown field names", contentType: JSON_TYPE, make: (n) => json({ to: "u1", text: "x", wait: 0, ...Object.fromEntries(Array.from({ length: Math.floor(n / 12) }, (_, i) => [`f${i}`, 1])) }) },
  { name: "multipart, many small fields", contentType: "multipart/form-data; boundary=b", make: (n) => multipartFields(n) },
  { name: "multipart, lines like the boundary", contentType: `multipart/form-data; boundary=${"b".repeat(70)}`, make: (n) => multipartOf(n) },
];

/** Tiny text parts named "to", then the rest of the request. */
function multipartFields(size: number): string {
  const part = '--b\r\nContent-Disposition: form-data; name="to"\r\n\r\nu1\r\n';
  const tail = '--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name="wait"\r\n\r\n0\r\n--b--\r\n';
  return part.repeat(Math.floor((size - tail.length) / part.length)) + tail;
}

/** A text part full of lines that start like the delimiter and are not it, then a file part. */
function multipartOf(size: number): string {
  const boundary = "b".repeat(70);
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nu1\r\n--${boundary}\r\nContent-Disposition: form-data; name="wait"\r\n\r\n0\r\n`;
  const file = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return head + file + fill(size - head.length - file.length - tail.length, `\r\n--${"b".repeat(69)}x`) + tail;
}

/** The largest body of the shape that fits the limit (JSON escapes make some grow). */
function bodyOf(shape: Shape): string {
  let size = LIMIT;
  let body = shape.make(size);
  while (body.length > LIMIT) {
    size = Math.floor(size * (LIMIT / body.length) * 0.999);
    body = shape.make(size);
  }
  return body;
}

const gateway = await startBenchGateway(50, false);
const probe = startProbe(gateway.url);
const rows = [];
let worstHealth = 0;
let worstDuring = "";
let worstSingle = 0;
try {
  for (const shape of SHAPES) {
    const times: number[] = [];
    const healths: number[] = [];
    let status = 0;
    const body = bodyOf(shape);
    for (let run = 0; run < RUNS; run++) {
      await probe.worst(); // from here on
      const started = performance.now();
      const res = await fetch(`${gateway.url}${shape.path ?? "/notify"}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": shape.contentType },
        body,
      });
      await res.arrayBuffer();
      times.push(performance.now() - started);
      status = res.status;
      healths.push(await probe.worst());
    }
    const time = median(times);
    rows.push({ figure: `${shape.name} (${(body.length / 1024).toFixed(0)} KiB) → ${status}`, value: ms(time), goal: "≤ 50 ms", ok: time <= 50 });
    // Whether the loop was held: the slowest /healthz of each run, the median of the runs
    // (one run's worst also catches this machine's own hiccups of 40–60 ms).
    const health = median(healths);
    if (health > worstHealth) [worstHealth, worstDuring] = [health, shape.name];
    worstSingle = Math.max(worstSingle, ...healths);
  }
} finally {
  probe.stop();
  await gateway.stop();
}
rows.push({ figure: `slowest /healthz during a request, median of ${RUNS} runs, worst shape (${worstDuring})`, value: ms(worstHealth), goal: "≤ 50 ms", ok: worstHealth <= 50 });
rows.push({ figure: "… the slowest single answer of all runs", value: ms(worstSingle), goal: "info (noise included)" });
printTable(`hostile inputs at ~1 MiB through a real server (median of ${RUNS}; the time includes the upload and the outbox fsync)`, rows);

/** /healthz asked every 5 ms by _healthz-probe.ts in its own process; `worst()` is the slowest answer since the last call. */
function startProbe(url: string): { worst(): Promise<number>; stop(): void } {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "_healthz-probe.ts"), url], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const lines = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async worst() {
      proc.stdin.write("report\n");
      proc.stdin.flush();
      while (!buffered.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("the /healthz probe ended");
        buffered += decoder.decode(value, { stream: true });
      }
      const [line, ...rest] = buffered.split("\n");
      buffered = rest.join("\n");
      return Number(line);
    },
    stop: () => proc.kill(),
  };
}
