// Reading a body within body_limit, and decoding it by Content-Type into fields.
import { describe, expect, test } from "bun:test";
import { MAX_FIELD_NAMES, parseBody, queryFields, readBodyLimited } from "../../src/http/body.ts";
import { RequestError } from "../../src/lib/errors.ts";

/** A body arriving in `count` chunks of `size` bytes; `pulled` counts the chunks read. */
function chunked(count: number, size: number) {
  const state = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === count) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(97 + (state.pulled++ % 26)));
    },
  });
  return { request: new Request("http://x/", { method: "POST", body }), state };
}

async function rejection(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  if (error instanceof RequestError) return error;
  throw new Error(`expected a RequestError, got ${String(error)}`);
}

describe("readBodyLimited", () => {
  test("chunks are joined in order", async () => {
    const { request } = chunked(3, 4);
    expect(new TextDecoder().decode(await readBodyLimited(request, 100))).toBe("aaaabbbbcccc");
  });

  test("a streamed body is cut off as soon as it passes the limit", async () => {
    const { request, state } = chunked(1000, 1024);
    const error = await rejection(readBodyLimited(request, 10 * 1024));
    expect({ code: error.code, connection: error.headers.Connection }).toEqual({ code: "body_too_large", connection: "close" });
    expect(state.pulled).toBeLessThan(20);
  });

  test("a body that breaks off (the client hung up) is body_incomplete with the reason", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new DOMException("The connection was closed.", "AbortError"));
        sent = true;
        controller.enqueue(new Uint8Array(10));
      },
    });
    const error = await rejection(readBodyLimited(new Request("http://x/", { method: "POST", body }), 100));
    expect(error.code).toBe("body_incomplete");
    expect(error.message).toContain("The connection was closed.");
  });

  test("a declared Content-Length over the limit is refused unread", async () => {
    const request = new Request("http://x/", { method: "POST", body: "x".repeat(100), headers: { "content-length": "100" } });
    expect((await rejection(readBodyLimited(request, 10))).code).toBe("body_too_large");
  });
});

describe("parseBody", () => {
  const parse = (type: string, body: string, textField?: string) =>
    parseBody(new Request("http://x/", { method: "POST", headers: { "content-type": type } }), new TextEncoder().encode(body), textField);

  test("JSON, form and text bodies become fields; repeated form fields a list", async () => {
    expect(await parse("application/json; charset=utf-8", '{"to":"a","wait":0}')).toEqual({ kind: "json", fields: { to: "a", wait: 0 } });
    expect(await parse("application/x-www-form-urlencoded", "to=a&to=b&text=hi")).toEqual({ kind: "form", fields: { to: ["a", "b"], text: "hi" } });
    expect(await parse("text/plain", "hello", "text")).toEqual({ kind: "text", fields: { text: "hello" } });
    expect(queryFields(new URL("http://x/?to=a&to=b&to=c"))).toEqual({ to: ["a", "b", "c"] });
  });

  test(`a form or query string of more than ${MAX_FIELD_NAMES} different names is refused; repeats of one name are not counted`, async () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `f${i}=1`).join("&");
    expect(Object.keys((await parse("application/x-www-form-urlencoded", names(MAX_FIELD_NAMES))).fields)).toHaveLength(MAX_FIELD_NAMES);
    const body = await rejection(parse("application/x-www-form-urlencoded", names(MAX_FIELD_NAMES + 1)));
    expect({ code: body.code, message: body.message }).toEqual({ code: "bad_body", message: `the body has more than ${MAX_FIELD_NAMES} different field names; a request has a few dozen at most` });
    const query = await rejection(Promise.resolve().then(() => queryFields(new URL(`http://x/?${names(MAX_FIELD_NAMES + 1)}`))));
    expect(query.code).toBe("bad_field");
    expect((queryFields(new URL(`http://x/?${"to=a&".repeat(10_000)}`)).to as string[]).length).toBe(10_000);
    // Names Object.prototype has are names like any other.
    expect((await parse("application/x-www-form-urlencoded", "constructor=a&constructor=b&toString=c")).fields).toEqual({ constructor: ["a", "b"], toString: "c" });
  });

  test("forms decode as URLSearchParams does: + is a space, %-escapes are UTF-8, a stray % stays", async () => {
    const body = "text=disk+100%+full&to=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2&to=b%2Cc&title&=x&&a%zz=%4";
    const { fields } = await parse("application/x-www-form-urlencoded", body);
    const pairs = Object.entries(fields).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item) => [name, item]));
    expect(pairs.sort()).toEqual([...new URLSearchParams(body)].sort());
    expect(fields).toEqual({ text: "disk 100% full", to: ["иванов", "b,c"], title: "", "": "x", "a%zz": "%4" });
  });

  // Like JSON: a form is text, and U+FFFD in place of bad bytes would be a silent change.
  test("a form or query string that is not UTF-8 is refused, raw or %-escaped", async () => {
    const form = (bytes: Uint8Array, type = "application/x-www-form-urlencoded") =>
      parseBody(new Request("http://x/", { method: "POST", headers: { "content-type": type } }), bytes);
    const ascii = (text: string) => new TextEncoder().encode(text);
    expect((await rejection(form(new Uint8Array([...ascii("to=a&text="), 0xff, 0xfe])))).code).toBe("bad_body");
    expect((await rejection(parse("application/x-www-form-urlencoded", "to=a&text=%FF%FE"))).code).toBe("bad_body");
    expect((await rejection(parse("application/x-www-form-urlencoded", "to=a&%C3=x"))).code).toBe("bad_body");
    const boundary = "b0undary";
    const multipart = [...ascii(`--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n`), 0xc3, 0x28, ...ascii(`\r\n--${boundary}--\r\n`)];
    expect((await rejection(form(new Uint8Array(multipart), `multipart/form-data; boundary=${boundary}`))).code).toBe("bad_body");
    let error: unknown;
    try {
      queryFields(new URL("http://x/notify/ops?text=%E2%82"));
    } catch (caught) {
      error = caught;
    }
    expect(error instanceof RequestError && error.code).toBe("bad_field");
    // A real U+FFFD, sent as such, is text like any other.
    expect(queryFields(new URL("http://x/?text=%EF%BF%BD"))).toEqual({ text: "\uFFFD" });
  });

  test("bad JSON, a JSON list, invalid UTF-8 and unknown types are refused with their codes", async () => {
    expect((await rejection(parse("application/json", "{not json"))).code).toBe("bad_json");
    expect((await rejection(parse("application/json", "[1,2]"))).code).toBe("bad_json");
    const latin1 = parseBody(new Request("http://x/", { method: "POST", headers: { "content-type": "text/plain" } }), new Uint8Array([0xff, 0xfe]), "text");
    expect((await rejection(latin1)).code).toBe("bad_body");
    expect((await rejection(parse("application/xml", "<x/>"))).code).toBe("unsupported_media_type");
    expect((await rejection(parse("text/plain", "hello"))).code).toBe("unsupported_media_type");
  });
});
