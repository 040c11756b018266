// The error registry: every code the code throws has an entry, README's Errors table and
// the entries agree, and errors are rendered in the one shape with the entry's status.
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { Glob } from "bun";
import { ERRORS, errorResponse, httpError, renderError } from "../../src/http/errors.ts";
import { RequestError, StateError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { redactor } from "../../src/lib/redact.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Error codes written in src/ where a request error is made (`new RequestError("x"`, `httpError("x"`). */
async function codesThrownInSource(): Promise<Set<string>> {
  const codes = new Set<string>();
  for await (const file of new Glob("src/**/*.ts").scan(ROOT)) {
    const text = await readFile(ROOT + file, "utf8");
    for (const match of text.matchAll(/(?:new RequestError|httpError|errorResponse)\(\s*"([a-z_]+)"/g)) codes.add(match[1]!);
  }
  return codes;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");

describe("registry", () => {
  test("every code the source answers with has an entry", async () => {
    const thrown = await codesThrownInSource();
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((code) => !Object.hasOwn(ERRORS, code))).toEqual([]);
  });

  test("README's Errors table lists every code with its status, and no other", async () => {
    const readme = await readFile(ROOT + "README.md", "utf8");
    const section = readme.slice(readme.indexOf("### Errors"));
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)]);
    expect(rows).toEqual(Object.entries(ERRORS).map(([code, entry]) => [code, entry.status]));
  });

  test("every docs anchor is a README heading", async () => {
    const readme = await readFile(ROOT + "README.md", "utf8");
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => `#${slug(heading!)}`));
    expect(anchors).toContain("#errors");
    for (const [code, entry] of Object.entries(ERRORS)) expect({ code, doc: entry.doc, found: anchors.has(entry.doc) }).toEqual({ code, doc: entry.doc, found: true });
  });
});

describe("rendering", () => {
  const body = async (res: Response) => (await res.json()) as { error: { code: string; message: string } };

  test("a request error gets its entry's status, its own message and its headers", async () => {
    const res = renderError(httpError("rate_limited", "slow down", { "Retry-After": "3" }), createMemoryLogger());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await body(res)).toEqual({ error: { code: "rate_limited", message: "slow down" } });
  });

  test("without a message, the entry's default is the message", async () => {
    const res = errorResponse("missing_recipient");
    expect({ status: res.status, ...(await body(res)) }).toEqual({ status: 400, error: { code: "missing_recipient", message: ERRORS.missing_recipient.message } });
  });

  test("a code missing from the registry, and any other error, is a logged 500 without internals", async () => {
    const log = createMemoryLogger();
    for (const error of [new RequestError("no_such_code", "x"), new StateError("outbox_damaged", "/var/lib/x: damaged"), new Error("secret internals")]) {
      const res = renderError(error, log);
      expect({ status: res.status, ...(await body(res)) }).toEqual({ status: 500, error: { code: "internal", message: ERRORS.internal.message } });
    }
    expect(log.lines.filter((line) => line.includes("no_such_code"))).toHaveLength(1);
  });

  test("a bot token in a message never reaches the caller, configured or not", async () => {
    const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const res = renderError(httpError("bad_field", `bad value ${token}`), createMemoryLogger());
    expect((await body(res)).error.message).toBe("bad value ***");
  });

  // Masking registered secrets in a message that echoes the caller's input would answer
  // "***" exactly when a guess equals a secret: an oracle. An echo stays as it was sent.
  test("an echoed guess is answered the same whether or not it equals a secret", async () => {
    const secret = "client-token-0123456789abcdef";
    redactor.add(secret);
    const echo = async (guess: string) => (await body(renderError(httpError("unknown_recipient", `unknown recipient "${guess}"`), createMemoryLogger()))).error.message;
    expect(await echo(secret)).toBe(`unknown recipient "${secret}"`);
    expect(await echo("client-token-0123456789abcdeX")).toBe('unknown recipient "client-token-0123456789abcdeX"');
  });

  test("refusals are logged at debug with their reason; errors with an empty stack still say what failed", async () => {
    const log = createMemoryLogger("debug");
    renderError(httpError("body_incomplete", "the body ended before it was complete (The connection was closed.)"), log);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain("DEBUG request refused code=body_incomplete");
    expect(log.lines[0]).toContain("The connection was closed.");
    // Bun's DOMException has an empty stack: `stack ?? message` logged nothing.
    renderError(new DOMException("The connection was closed.", "AbortError"), log);
    expect(log.lines[1]).toContain("ERROR unexpected error while handling a request");
    expect(log.lines[1]).toContain("The connection was closed.");
  });
});
