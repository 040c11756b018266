// The Authenticator on its own: bearer tokens (constant-time, every client compared),
// the local-only rule without clients (loopback peer, localhost Host, no Origin), `allow` scoping, per-client token buckets.
import { describe, expect, test } from "bun:test";
import { resolveRecipients } from "../../src/delivery/recipients.ts";
import { Authenticator, isLoopback, LOCAL_CALLER } from "../../src/http/auth.ts";
import type { Config } from "../../src/config/types.ts";
import type { KeyLookup, KeyRecord } from "../../src/keys/types.ts";
import { RequestError } from "../../src/lib/errors.ts";
import { renderError } from "../../src/http/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { BOT_TOKEN, load, yaml } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

const ERP = "erp-token-0123456789abcdef";
const CI = "ci-token-0123456789abcdef";
const LIMITED = "limited-token-0123456789";

const WITH_CLIENTS = load(yaml`
  clients:
    erp:
      token: ${ERP}
    ci:
      token: ${CI}
      allow: [ops]
    limited:
      token: ${LIMITED}
      rate_limit: { per_second: 0.5, burst: 2 }
  bots:
    main:
      token: "${BOT_TOKEN}"
  users:
    ivanov: 48213977
    petrov: 51928374
    sidorov: 60011223
  groups:
    ops: [ivanov, petrov]
`);

const NO_CLIENTS = load(yaml`
  bots:
    main:
      token: "${BOT_TOKEN}"
  users:
    ivanov: 48213977
`);

const request = (authorization?: string, headers: Record<string, string> = {}) =>
  new Request("http://gateway/notify", { method: "POST", headers: authorization === undefined ? headers : { ...headers, Authorization: authorization } });

/** Where a request came from: the peer's address, and the URL the server built from its Host. */
const from = (remoteAddr: string, host = "127.0.0.1:8787") => ({ remoteAddr, url: new URL(`http://${host}/notify`) });

/** The RequestError `fn` throws (fails the test if it does not throw one), with the status it is answered with. */
function rejection(fn: () => unknown): RequestError & { status: number } {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestError) return Object.assign(error, { status: renderError(error, createMemoryLogger()).status });
    throw error;
  }
  throw new Error("expected a RequestError");
}

describe("bearer tokens", () => {
  const auth = new Authenticator(new FakeClock());
  const authenticate = (header?: string, config: Config = WITH_CLIENTS) => auth.authenticate(request(header), from("192.0.2.10"), config);

  test("the right token identifies its client, whatever the scheme's case and trailing space", () => {
    expect(authenticate(`Bearer ${ERP}`)).toEqual({ id: "erp", allow: null });
    expect(authenticate(`bearer ${CI}  `).id).toBe("ci");
  });

  test("wrong, missing and malformed headers are 401 with WWW-Authenticate", () => {
    const cases = [
      `Bearer ${ERP.slice(0, -1)}X`, // same length, last character differs
      `Bearer ${ERP}0`, // a longer token with the right prefix
      `Bearer ${ERP.slice(0, 10)}`, // a prefix of the right token
      undefined,
      "",
      `Basic ${ERP}`,
      `Bearer`,
      `Bearer ${ERP} extra`,
      ERP,
    ];
    for (const header of cases) {
      const error = rejection(() => authenticate(header));
      expect({ header, status: error.status, code: error.code }).toEqual({ header, status: 401, code: "unauthorized" });
      expect(error.headers["WWW-Authenticate"]).toStartWith('Bearer realm="tgsignal"');
    }
  });

  test("messages never echo the presented token", () => {
    const error = rejection(() => authenticate("Bearer secret-guess-123"));
    expect(error.message).not.toContain("secret-guess-123");
  });

  test("a token is looked up in the config it is checked against (a reload swaps tokens)", () => {
    const reloaded = load(yaml`
      clients:
        erp:
          token: new-erp-token-0123456789
      bots:
        main:
          token: "${BOT_TOKEN}"
    `);
    expect(authenticate("Bearer new-erp-token-0123456789", reloaded).id).toBe("erp");
    expect(rejection(() => authenticate(`Bearer ${ERP}`, reloaded)).status).toBe(401);
  });
});

describe("no clients configured: loopback only", () => {
  const auth = new Authenticator(new FakeClock());

  test.each(["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"])("%s is accepted as the local caller", (address) => {
    expect(auth.authenticate(request(), from(address), NO_CLIENTS)).toEqual({ id: LOCAL_CALLER, allow: null });
  });

  test.each(["192.0.2.10", "::ffff:192.0.2.10", "10.0.0.1", "2001:db8::1", "", "128.0.0.1", "::ffff:10.127.0.1"])("%p is refused with 403", (address) => {
    const error = rejection(() => auth.authenticate(request(`Bearer ${ERP}`), from(address), NO_CLIENTS));
    expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: "forbidden" });
    expect(error.message).toContain("clients:");
  });

  test("isLoopback does not accept look-alikes", () => {
    expect(isLoopback("127.0.0.1.evil")).toBe(false);
    expect(isLoopback("::2")).toBe(false);
  });

  test("with clients configured, a loopback caller still needs a token", () => {
    expect(rejection(() => auth.authenticate(request(), from("127.0.0.1"), WITH_CLIENTS)).status).toBe(401);
  });

  // A browser on this host reaches loopback too: a cross-origin form POST carries Origin,
  // DNS rebinding carries the attacker's name as Host. Local programs send neither.
  test.each(["localhost:8787", "LOCALHOST", "127.0.0.1", "127.1:80", "127.9.8.7:8787", "[::1]:8787", "[0:0::1]"])("Host %s is local", (host) => {
    expect(auth.authenticate(request(), from("127.0.0.1", host), NO_CLIENTS).id).toBe(LOCAL_CALLER);
  });

  test.each(["evil.example", "localhost.evil.example:8787", "127.0.0.1.nip.io", "[::2]", "0.0.0.0:8787", "192.168.1.5", "localhost.", "[::ffff:127.0.0.1]"])(
    "Host %s is refused with 403, whatever the peer",
    (host) => {
      const error = rejection(() => auth.authenticate(request(), from("127.0.0.1", host), NO_CLIENTS));
      expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: "forbidden" });
      expect(error.message).toContain("DNS rebinding");
      expect(error.message).not.toContain(host);
    },
  );

  test.each(["https://evil.example", "http://127.0.0.1:8787", "null"])("Origin %s (a web page) is refused with 403", (origin) => {
    const error = rejection(() => auth.authenticate(request(undefined, { Origin: origin }), from("127.0.0.1"), NO_CLIENTS));
    expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: "forbidden" });
    expect(error.message).toContain("Origin");
  });

  test("with clients configured, the token decides: Origin and Host do not matter", () => {
    expect(auth.authenticate(request(`Bearer ${ERP}`, { Origin: "https://app.example" }), from("192.0.2.10", "gateway.example"), WITH_CLIENTS).id).toBe("erp");
  });
});

describe("allow scoping", () => {
  const auth = new Authenticator(new FakeClock());
  const keys: KeyLookup = {
    lookup: (key) => ({ key, bot: "main", chatId: Number(key), chatType: "private", username: null, name: null, issuedAt: "2026-11-25T09:00:00.000Z", status: "active" }) satisfies KeyRecord,
    recordBlocked: async () => {},
    recordMigrated: async () => {},
  };
  const resolveFor = (token: string, names: string[]) => {
    const caller = auth.authenticate(request(`Bearer ${token}`), from("192.0.2.10"), WITH_CLIENTS);
    return resolveRecipients({ config: WITH_CLIENTS, keys, names, allow: caller.allow, clientId: caller.id });
  };

  test("the caller carries its client's allow list", () => {
    expect(auth.authenticate(request(`Bearer ${CI}`), from("192.0.2.10"), WITH_CLIENTS).allow).toEqual(["ops"]);
  });

  test("a scoped client reaches its group and its members, and nobody else (403)", () => {
    expect(resolveFor(CI, ["ops"]).map((recipient) => recipient.user)).toEqual(["ivanov", "petrov"]);
    expect(resolveFor(CI, ["petrov"]).map((recipient) => recipient.user)).toEqual(["petrov"]);
    const error = rejection(() => resolveFor(CI, ["ivanov", "sidorov"]));
    expect({ status: error.status, code: error.code }).toEqual({ status: 403, code: "forbidden_recipient" });
    expect(error.message).toContain('"sidorov"');
    expect(error.message).not.toContain('"ivanov"');
  });

  test("outside its scope, a name that exists and one that does not are refused alike; suggestions come from the scope", () => {
    const answer = (names: string[]) => {
      const error = rejection(() => resolveFor(CI, names));
      return { status: error.status, code: error.code, message: error.message };
    };
    // "sidorov" exists, "sidorow" does not: the same answer, but for the name itself.
    expect(answer(["sidorov"])).toEqual({ status: 403, code: "forbidden_recipient", message: 'client "ci" may not notify "sidorov"; its allow list is [ops]' });
    expect(answer(["sidorow"])).toEqual({ status: 403, code: "forbidden_recipient", message: 'client "ci" may not notify "sidorow"; its allow list is [ops]' });
    // A typo of a name inside the scope is suggested; one of a name outside it is not.
    expect(answer(["petrof"]).message).toBe('client "ci" may not notify "petrof" (did you mean "petrov"?); its allow list is [ops]');
    expect(answer(["sidorof"]).message).not.toContain("sidorov");
  });

  test("an unscoped client gets suggestions from every name", () => {
    const error = rejection(() => resolveFor(ERP, ["sidorof"]));
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({
      status: 400,
      code: "unknown_recipient",
      message: 'unknown recipient "sidorof"; did you mean "sidorov"?; recipients are the users and groups in the config',
    });
  });

  test("an unscoped client reaches everyone", () => {
    expect(resolveFor(ERP, ["sidorov"]).map((recipient) => recipient.user)).toEqual(["sidorov"]);
  });
});

describe("per-client rate limit", () => {
  test("burst, then 429 with Retry-After until the bucket refills by the clock", async () => {
    const clock = new FakeClock();
    const auth = new Authenticator(clock);
    const limited = auth.authenticate(request(`Bearer ${LIMITED}`), from("192.0.2.10"), WITH_CLIENTS);
    auth.charge(limited, WITH_CLIENTS);
    auth.charge(limited, WITH_CLIENTS);
    const error = rejection(() => auth.charge(limited, WITH_CLIENTS));
    expect({ status: error.status, code: error.code, retryAfter: error.headers["Retry-After"] }).toEqual({ status: 429, code: "rate_limited", retryAfter: "2" });

    await clock.advance(1_000); // half a token at 0.5/s
    expect(rejection(() => auth.charge(limited, WITH_CLIENTS)).headers["Retry-After"]).toBe("1");
    await clock.advance(1_000);
    expect(() => auth.charge(limited, WITH_CLIENTS)).not.toThrow();
    expect(rejection(() => auth.charge(limited, WITH_CLIENTS)).status).toBe(429);
  });

  test("refused requests do not drain the bucket further, and clients have separate buckets", async () => {
    const OTHER = "other-limited-token-0123456789";
    const config = load(yaml`
      clients:
        limited:
          token: ${LIMITED}
          rate_limit: { per_second: 0.5, burst: 2 }
        other:
          token: ${OTHER}
          rate_limit: { per_second: 0.5, burst: 2 }
        erp:
          token: ${ERP}
      bots:
        main:
          token: "${BOT_TOKEN}"
    `);
    const clock = new FakeClock();
    const auth = new Authenticator(clock);
    const limited = auth.authenticate(request(`Bearer ${LIMITED}`), from("192.0.2.10"), config);
    const other = auth.authenticate(request(`Bearer ${OTHER}`), from("192.0.2.10"), config);
    auth.charge(limited, config);
    auth.charge(limited, config);
    for (let i = 0; i < 10; i++) rejection(() => auth.charge(limited, config));
    // The other client with the same limit still has its whole burst: the buckets are separate.
    expect(() => auth.charge(other, config)).not.toThrow();
    expect(() => auth.charge(other, config)).not.toThrow();
    expect(rejection(() => auth.charge(other, config)).status).toBe(429);
    await clock.advance(2_000);
    expect(() => auth.charge(limited, config)).not.toThrow();
    // erp has no rate_limit: never charged.
    const erp = auth.authenticate(request(`Bearer ${ERP}`), from("192.0.2.10"), config);
    for (let i = 0; i < 100; i++) expect(() => auth.charge(erp, config)).not.toThrow();
  });
});
