// Reading a body within body_limit, and decoding it by Content-Type into fields.
import { describe, expect, test } from "bun:test";
import { parseBody, queryFields, readBodyLimited } from "../../src/http/body.ts";
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

  test("bad JSON, a JSON list, invalid UTF-8 and unknown types are refused with their codes", async () => {
    expect((await rejection(parse("application/json", "{not json"))).code).toBe("bad_json");
    expect((await rejection(parse("application/json", "[1,2]"))).code).toBe("bad_json");
    const latin1 = parseBody(new Request("http://x/", { method: "POST", headers: { "content-type": "text/plain" } }), new Uint8Array([0xff, 0xfe]), "text");
    expect((await rejection(latin1)).code).toBe("bad_body");
    expect((await rejection(parse("application/xml", "<x/>"))).code).toBe("unsupported_media_type");
    expect((await rejection(parse("text/plain", "hello"))).code).toBe("unsupported_media_type");
  });
});
