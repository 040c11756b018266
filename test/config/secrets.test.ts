// Config messages never echo a secret: not a token at the wrong indentation, not URL
// credentials, not a client token's whitespace problem.
import { describe, expect, test } from "bun:test";
import { redactor, redactUrl } from "../../src/lib/redact.ts";
import { secrecyOf, urlCredentials } from "../../src/config/secrets.ts";
import { BOT_TOKEN, CLIENT_TOKEN, issues, load, yaml } from "./helpers.ts";

const NEW_TOKEN = "f3a9c1d2e4b5a6978877665544332211";

describe("a value under a secret-bearing key is never echoed", () => {
  test("a new client's token indented one level too little (issue 12, item 4)", () => {
    const found = issues(yaml`
      clients:
        erp:
          token: ${CLIENT_TOKEN}
        monitoring:
        token: ${NEW_TOKEN}
    `);
    expect(found).toEqual([
      "c.yaml:4:14 clients.monitoring: expected a mapping (key: value lines), got an empty value",
      "c.yaml:5:10 clients.token: expected a mapping (key: value lines), got a value that is not shown (it may be a secret)",
    ]);
    expect(found.join("\n")).not.toContain(NEW_TOKEN);
  });

  test("a token where a list or a mapping belongs, at any depth", () => {
    const found = issues(yaml`
      bots:
        main:
          token: "${BOT_TOKEN}"
          access:
            passphrase: [tulip-passphrase-42]
          texts:
            token: s3cret-in-the-wrong-place
    `).join("\n");
    expect(found).toContain("bots.main.access.passphrase: expected a string, got a list");
    expect(found).toContain('unknown key "token" in bots.main.texts');
    expect(found).not.toContain("s3cret");
  });

  test("TypeBox's own message is masked too", () => {
    const found = issues(`bots:\n  main: { token: "${BOT_TOKEN}", access: { passphrase: true } }\n`);
    expect(found).toContain("c.yaml:2:88 bots.main.access.passphrase: expected a string, got a value that is not shown (it may be a secret)");
  });

  test("a secret key is judged by name, wherever it sits", () => {
    expect(secrecyOf(["clients", "erp", "token"])).toBe("hidden");
    expect(secrecyOf(["clients", "token"])).toBe("hidden");
    expect(secrecyOf(["clients", "erp", "webhook", "secret"])).toBe("hidden");
    expect(secrecyOf(["bots", "main", "access", "passphrase", "0"])).toBe("hidden");
    expect(secrecyOf(["bots", "main", "api_url"])).toBe("url");
    expect(secrecyOf(["bots", "main", "proxy"])).toBe("url");
    expect(secrecyOf(["bots", "main", "title"])).toBe("plain");
  });
});

describe("URLs are echoed without credentials", () => {
  test("validate's errors for a proxy and an api_url with credentials", () => {
    const found = issues(yaml`
      bots:
        main:
          token: "${BOT_TOKEN}"
          api_url: "ftp://botapi:apipass-9931@bots.example.com/bot${BOT_TOKEN}"
          proxy: "socks5://proxyuser:proxypass-7714@proxy.local:1080"
    `);
    expect(found).toEqual([
      'c.yaml:4:14 bots.main.api_url: "ftp://***@bots.example.com/bot***" is not an http(s) URL; e.g. https://api.telegram.org',
      'c.yaml:5:12 bots.main.proxy: "socks5://***@proxy.local:1080" is not an http(s) URL; e.g. http://proxy.local:3128',
    ]);
  });

  test("a URL where a mapping belongs is masked in the walker's message too", () => {
    const found = issues(`bots:\n  main: { token: "${BOT_TOKEN}", proxy: { url: "http://u:proxypass-7714@p:3128" } }\n`).join("\n");
    expect(found).toContain("bots.main.proxy: expected a string, got a mapping");
    expect(issues(`bots:\n  main: { token: "${BOT_TOKEN}", proxy: ["http://u:proxypass-7714@p:3128"] }\n`).join("\n")).not.toContain("proxypass");
  });

  test("the credentials of a valid URL are registered with the redactor", () => {
    load(`bots:\n  main: { token: "${BOT_TOKEN}", proxy: "http://squid:proxy%40pass-5521@proxy.local:3128" }\n`);
    expect(redactor.redact("dial http://squid:proxy%40pass-5521@proxy.local:3128 failed")).not.toContain("pass-5521");
    expect(redactor.redact("password proxy@pass-5521")).toBe("password ***");
  });

  test("redactUrl masks userinfo and a bot token in the path, parseable or not", () => {
    expect(redactUrl("https://u:p@api.example.com/x")).toBe("https://***@api.example.com/x");
    expect(redactUrl("http://u:p@ss@host:8080/")).toBe("http://***@host:8080/");
    expect(redactUrl("u:p@host:3128")).toBe("***@host:3128");
    expect(redactUrl("https://api.telegram.org/bot123:abc/getMe")).toBe("https://api.telegram.org/bot***/getMe");
    expect(redactUrl("https://host/path@with-at")).toBe("https://host/path@with-at");
    expect(redactUrl("https://api.telegram.org")).toBe("https://api.telegram.org");
  });

  test("urlCredentials finds what the redactor must mask", () => {
    expect(urlCredentials("http://user:pa%3Ass@h")).toEqual(["user:pa%3Ass", "pa%3Ass", "user:pa:ss", "pa:ss"]);
    expect(urlCredentials("https://h/x")).toEqual([]);
  });
});

describe("a client token with whitespace (issue 12, item 10)", () => {
  const token = (value: string) => issues(`clients:\n  erp:\n    token: "${value}"\n`);

  test("is rejected at the token, saying where the whitespace is and what a token may hold", () => {
    expect(token("0123456789abcdef 0123456789")).toEqual([
      "c.yaml:3:12 clients.erp.token: contains a space at character 17 of 27, so it could never authenticate (a bearer token ends at whitespace). A token may hold letters, digits and punctuation, without spaces; e.g. from `openssl rand -hex 24`",
    ]);
    expect(token("0123456789abcdef0123456789\\t")[0]).toContain("contains a tab at its end");
    expect(token(" 0123456789abcdef0123456789")[0]).toContain("contains a space at its start");
  });

  test("a line break from the environment gets a hint, and the token is not shown", () => {
    const found = issues("clients:\n  erp:\n    token: ${ERP_TOKEN}\n", { ERP_TOKEN: `${NEW_TOKEN}\n` });
    expect(found).toEqual([
      "c.yaml:3:12 clients.erp.token: contains a line break at its end, so it could never authenticate (a bearer token ends at whitespace). A token may hold letters, digits and punctuation, without spaces; e.g. from `openssl rand -hex 24`. A line break at the end often comes from a file read into an environment variable",
    ]);
    expect(found.join("\n")).not.toContain(NEW_TOKEN);
  });

  test("a control character is refused too; punctuation is fine", () => {
    expect(token("0123456789abcdef\\u00010123456789")[0]).toContain("contains a control character at character 17");
    expect(load(`clients:\n  erp:\n    token: "a-b.c_d~e+f/g=h!0123456789"\n`).clients.get("erp")!.token).toBe("a-b.c_d~e+f/g=h!0123456789");
  });
});
