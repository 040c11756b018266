// ntfy's parameters as its server reads them: every alias as a header and as a query
// parameter, headers before the query string, the first alias before the others, and
// header values decoded (UTF-8 sent raw, RFC 2047 encoded words).
import { describe, expect, test } from "bun:test";
import { headerText } from "../../../src/http/header-text.ts";
import { isNtfyTrue, NTFY_ALIASES, readNtfyParams, splitTags, type NtfyParam } from "../../../src/http/compat/ntfy-params.ts";

/** How the ntfy routes read their headers (ntfy-params.ts): encoded words in any charset. */
const NTFY_HEADERS = { anyCharset: true };

const read = (headers: Record<string, string>, query = "") => readNtfyParams(new Request(`http://x/ops${query}`, { method: "POST", headers }), new URL(`http://x/ops${query}`));

describe("aliases", () => {
  // docs.ntfy.sh/publish: Title/X-Title/ti/t, Priority/X-Priority/prio/p, Tags/X-Tags/tag/ta, …
  for (const [param, aliases] of Object.entries(NTFY_ALIASES) as Array<[NtfyParam, readonly string[]]>) {
    for (const alias of aliases) {
      test(`${param}: header ${alias}, any case`, () => {
        expect(read({ [alias.toUpperCase()]: "v1" })).toEqual({ [param]: "v1" });
      });
      test(`${param}: query ?${alias}=`, () => {
        expect(read({}, `?${alias}=v2`)).toEqual({ [param]: "v2" });
      });
    }
  }

  test("the documented spellings", () => {
    expect(read({ Title: "a", Priority: "urgent", Tags: "warning,skull", Click: "https://x", Markdown: "yes", Actions: "view, A, https://x", Email: "e", Call: "yes", Icon: "https://i" })).toEqual({
      title: "a",
      priority: "urgent",
      tags: "warning,skull",
      click: "https://x",
      markdown: "yes",
      actions: "view, A, https://x",
      email: "e",
      call: "yes",
      icon: "https://i",
    });
    expect(read({}, "?t=a&p=4&ta=dog&md=1&m=hi")).toEqual({ title: "a", priority: "4", tags: "dog", markdown: "1", message: "hi" });
  });

  test("headers win over the query string; the first alias over later ones; blank values do not count", () => {
    expect(read({ t: "from t", "X-Title": "from x-title" }, "?title=from+query")).toEqual({ title: "from x-title" });
    expect(read({ Title: "  " }, "?t=from+query")).toEqual({ title: "from query" });
    expect(read({}, "?t=second&title=first")).toEqual({ title: "first" });
  });

  test("query names are lower case, as ntfy looks them up; unknown headers and parameters are ignored", () => {
    expect(read({ "X-Unknown": "1", Cache: "no" }, "?Title=a&auth=xyz&up=1")).toEqual({});
  });
});

describe("header values", () => {
  test("UTF-8 sent raw in a header (read as one byte per character) is decoded back", () => {
    const latin1 = String.fromCharCode(...new TextEncoder().encode("Привет ✓"));
    expect(headerText(latin1, NTFY_HEADERS)).toBe("Привет ✓");
    expect(headerText("Café", NTFY_HEADERS)).toBe("Café"); // Latin-1 that is not UTF-8 stays
  });

  test("RFC 2047 encoded words, base64 and quoted-printable, in any charset TextDecoder knows", () => {
    expect(headerText("=?UTF-8?B?8J+HqfCfh6o=?=", NTFY_HEADERS)).toBe("🇩🇪");
    expect(headerText("=?UTF-8?Q?=C3=84pfel?=,tag2", NTFY_HEADERS)).toBe("Äpfel,tag2");
    expect(headerText("=?utf-8?q?Disk_full?= on db1", NTFY_HEADERS)).toBe("Disk full on db1");
    expect(headerText("=?UTF-8?B?0JTQuNGB0Lo=?= =?UTF-8?B?INC/0L7Qu9C+0L0=?=", NTFY_HEADERS)).toBe("Диск полон");
    expect(headerText("=?windows-1251?B?z/Du4uXw6uA=?=", NTFY_HEADERS)).toBe("Проверка");
  });

  test("what is not an encoded word stays as written", () => {
    expect(headerText("=?nonsense-charset?B?YQ==?= and =? plain", NTFY_HEADERS)).toBe("=?nonsense-charset?B?YQ==?= and =? plain");
    expect(headerText("a=?b", NTFY_HEADERS)).toBe("a=?b");
  });

  test("a long header of almost-encoded words is one pass", () => {
    const value = "=?UTF-8?B?".repeat(50_000);
    expect(headerText(value, NTFY_HEADERS)).toBe(value);
  });
});

test("ntfy's booleans and tag lists", () => {
  expect(["1", "yes", "true", "TRUE"].map(isNtfyTrue)).toEqual([true, true, true, true]);
  expect(["0", "no", "false", "on", undefined].map(isNtfyTrue)).toEqual([false, false, false, false, false]);
  expect(splitTags(" warning, skull,,db1 ")).toEqual(["warning", "skull", "db1"]);
});
