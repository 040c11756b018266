// Errors on the ntfy and Gotify routes: the registry's answer in each peer's shape, the
// registry code in X-Tgsignal-Error, headers kept, bot tokens masked, failures logged.
import { describe, expect, test } from "bun:test";
import { ntfyErrorCode, peerErrorResponse, peerRoute } from "../../../src/http/compat/peer-errors.ts";
import { gotifyUrgency, numericId } from "../../../src/http/compat/gotify-routes.ts";
import { httpError } from "../../../src/http/errors.ts";
import { createMemoryLogger } from "../../../src/lib/log.ts";

describe("shapes", () => {
  test("ntfy: {code, http, error}, ntfy's code where one fits, else the status × 100", async () => {
    const res = peerErrorResponse("ntfy", { code: "rate_limited", message: "slow down", headers: { "Retry-After": "3" } });
    expect({ status: res.status, retry: res.headers.get("retry-after"), code: res.headers.get("x-tgsignal-error"), body: await res.json() }).toEqual({
      status: 429,
      retry: "3",
      code: "rate_limited",
      body: { code: 42901, http: 429, error: "slow down" },
    });
    expect([ntfyErrorCode("unauthorized"), ntfyErrorCode("bad_priority"), ntfyErrorCode("unsupported_feature"), ntfyErrorCode("storage_full")]).toEqual([40101, 40007, 40000, 50700]);
  });

  test("Gotify: {error: status text, errorCode, errorDescription}", async () => {
    const res = peerErrorResponse("gotify", { code: "no_recipients", message: "add to", headers: {} });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 403, body: { error: "Forbidden", errorCode: 403, errorDescription: "add to" } });
  });

  test("a bot token in a message is masked, as on /notify", async () => {
    const res = peerErrorResponse("ntfy", { code: "bad_field", message: "got 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", headers: {} });
    expect(JSON.stringify(await res.json())).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
  });

  test("an unexpected failure is logged and answered 500 in the peer's shape", async () => {
    const log = createMemoryLogger();
    const route = peerRoute("gotify", log, () => {
      throw new Error("boom");
    });
    const res = await route(new Request("http://x/message"), { url: new URL("http://x/message"), params: {}, remoteAddr: "" });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 500, body: { error: "Internal Server Error", errorCode: 500, errorDescription: "internal error; see the gateway's log" } });
    expect(log.lines.some((line) => line.includes("boom"))).toBe(true);
  });

  test("refusals keep their own status", async () => {
    const res = await peerRoute("ntfy", createMemoryLogger(), () => {
      throw httpError("bad_actions", "Actions: no");
    })(new Request("http://x/ops"), { url: new URL("http://x/ops"), params: {}, remoteAddr: "" });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 400, body: { code: 40018, http: 400, error: "Actions: no" } });
  });
});

test("Gotify's priorities: 0 and below silent, 8–9 ❗, 10 and above ‼️", () => {
  expect([-1, 0, 1, 5, 7, 8, 9, 10, 11].map(gotifyUrgency)).toEqual(["silent", "silent", "normal", "normal", "normal", "high", "high", "max", "max"]);
});

test("Gotify's numeric id: the notification id's random 40 bits", () => {
  expect(numericId("0mx2knrtq3b96bf0510")).toBe(0x3b96bf0510);
  expect(numericId("zz")).toBe(1);
});
