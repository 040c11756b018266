// /openapi.json is generated from the schemas requests are checked against and from the
// error registry, so what it promises is what the checks enforce: probed at every limit.
import { describe, expect, test } from "bun:test";
import { ERRORS, type ErrorCode } from "../../src/http/errors.ts";
import { parseNotifyFields } from "../../src/http/notify.ts";
import { ADMIN_ONLY_CODES, buildOpenApi, MESSAGE_ONLY_CODES } from "../../src/http/openapi.ts";
import { COMPAT_ONLY_CODES } from "../../src/http/compat/compat-openapi.ts";
import { checkValue } from "../../src/http/fields.ts";
import { IdempotencyKey, KeysQuery, KeysResponse, NotifyMultipart, NotifyRequest, ReloadRejected, RevokeResponse } from "../../src/http/schemas.ts";
import { RequestError } from "../../src/lib/errors.ts";

interface Parameter {
  name: string;
  in: string;
  schema: Record<string, unknown>;
}
type Operation = {
  parameters: Parameter[];
  requestBody: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content: { "application/json": { schema: unknown } } }>;
};

// A JSON round trip: what a client downloads, not the objects in memory.
const doc = JSON.parse(JSON.stringify(buildOpenApi())) as { paths: Record<string, Record<string, Operation>> };
const notify = doc.paths["/notify"]!.post!;
const notifyTo = doc.paths["/notify/{to}"]!.post!;
const property = (name: string) => (notify.requestBody.content["application/json"]!.schema as { properties: Record<string, Record<string, unknown>> }).properties[name]!;

const accepts = (fields: Record<string, unknown>) => {
  try {
    parseNotifyFields({ to: "ivanov", text: "x", ...fields });
    return true;
  } catch (error) {
    if (error instanceof RequestError) return false;
    throw error;
  }
};

describe("the notify request", () => {
  test("every body form and the query string are described by the schema requests are checked against", () => {
    const schema = JSON.parse(JSON.stringify(NotifyRequest));
    for (const type of ["application/json", "application/x-www-form-urlencoded"]) expect(notify.requestBody.content[type]!.schema).toEqual(schema);
    // multipart: the same fields as parts (attachments are JSON's), plus the file parts.
    const multipart = notify.requestBody.content["multipart/form-data"]!.schema as { properties: Record<string, unknown> };
    expect(multipart).toEqual(JSON.parse(JSON.stringify(NotifyMultipart)));
    const { attachments: _attachments, ...fields } = schema.properties;
    expect(multipart.properties).toEqual({ ...fields, file: expect.objectContaining({ type: "array", items: { type: "string", format: "binary", contentMediaType: "application/octet-stream" } }) });
    const raw = ["template", "filename", "message"]; // ?template= and a raw file body's own parameters
    const query = Object.fromEntries(notifyTo.parameters.filter((p) => p.in === "query" && !raw.includes(p.name)).map((p) => [p.name, p.schema]));
    const { to: _to, ...rest } = schema.properties;
    expect(query).toEqual(rest);
  });

  test("the documented limits are the enforced ones", () => {
    const title = property("title").maxLength as number;
    expect([accepts({ title: "t".repeat(title) }), accepts({ title: "t".repeat(title + 1) })]).toEqual([true, false]);
    const wait = property("wait") as { minimum: number; maximum: number };
    expect([accepts({ wait: wait.minimum }), accepts({ wait: wait.maximum }), accepts({ wait: wait.maximum + 0.5 }), accepts({ wait: wait.minimum - 1 })]).toEqual([true, true, false, false]);
    const topic = property("topic").minimum as number;
    expect([accepts({ topic }), accepts({ topic: topic - 1 })]).toEqual([true, false]);
    const formats = (property("format").anyOf as Array<{ const: string }>).map((option) => option.const);
    expect(formats.map((format) => accepts({ format }))).toEqual(formats.map(() => true));
    expect(accepts({ format: "markdownv2" })).toBe(false);
  });

  test("the documented defaults are the applied ones", () => {
    const { input, wait } = parseNotifyFields({ to: "ivanov", text: "x" });
    const documented: Record<string, unknown> = { format: property("format").default, silent: property("silent").default, wait: property("wait").default };
    const applied: Record<string, unknown> = { format: input.format, silent: input.silent, wait };
    expect(applied).toEqual(documented);
  });

  test("files: at most as many as the checks take; PUT /notify/{to} takes a raw file body with Filename", () => {
    const max = property("attachments").maxItems as number;
    const attachment = { name: "a.pdf", data: "JVBERi0=" };
    expect([accepts({ attachments: Array(max).fill(attachment) }), accepts({ attachments: Array(max + 1).fill(attachment) })]).toEqual([true, false]);
    expect([accepts({ as: "document" }), accepts({ as: "photo" })]).toEqual([true, false]);
    const put = doc.paths["/notify/{to}"]!.put!;
    expect(put.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["Filename", "Message"]));
    expect(Object.keys(put.requestBody.content)).toContain("application/octet-stream");
  });

  test("the Idempotency-Key header's limits are the enforced ones", () => {
    const header = notify.parameters.find((p) => p.name === "Idempotency-Key")!;
    const max = header.schema.maxLength as number;
    const check = (key: string) => {
      try {
        checkValue("Idempotency-Key", IdempotencyKey, key);
        return true;
      } catch (error) {
        if (error instanceof RequestError && error.code === header.schema["x-error-code"]) return false;
        throw error;
      }
    };
    expect([check("k".repeat(max)), check("k".repeat(max + 1)), check("order 42"), check("заказ-42")]).toEqual([true, false, false, false]);
  });
});

describe("errors", () => {
  test("the notify operations list every request error code under its registry status", () => {
    for (const operation of [notify, notifyTo]) {
      const listed: Array<[string, number]> = [];
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content["application/json"].schema as { properties: { error?: { properties: { code: { const: string; anyOf?: Array<{ const: string }> } } } } };
        const code = schema.properties.error?.properties.code;
        // One code is a plain literal; several are a union of literals.
        for (const option of code ? (code.anyOf ?? [code]) : []) listed.push([option.const, Number(status)]);
      }
      const expected = Object.entries(ERRORS).filter(([code]) => code !== "method_not_allowed" && !MESSAGE_ONLY_CODES.includes(code as ErrorCode) && !ADMIN_ONLY_CODES.includes(code as ErrorCode) && !COMPAT_ONLY_CODES.includes(code as ErrorCode));
      expect(listed.sort()).toEqual(expected.map(([code, entry]): [string, number] => [code, entry.status]).sort());
    }
  });

  test("PATCH and DELETE /messages/{id} answer with the operation and list their own codes; /notify none of theirs", () => {
    const messages = doc.paths["/messages/{id}"]!;
    const codesOf = (operation: Operation) =>
      Object.values(operation.responses).flatMap((response) => {
        const code = (response.content["application/json"].schema as { properties: { error?: { properties: { code: { const?: string; anyOf?: Array<{ const: string }> } } } } }).properties.error?.properties.code;
        return code ? (code.anyOf ?? [code]).map((option) => option.const) : [];
      });
    expect(codesOf(messages.patch!)).toEqual(expect.arrayContaining(["bad_edit", "not_editable", "not_delivered", "message_deleted", "too_many_edits", "bad_buttons", "not_found"]));
    expect(codesOf(messages.delete!)).toEqual(expect.arrayContaining(["not_found", "bad_wait"]));
    expect(codesOf(notify)).not.toContain("not_editable");
    expect(codesOf(notify)).toContain("unknown_event");
    for (const status of ["200", "202", "424"]) {
      const schema = messages.delete!.responses[status]!.content["application/json"].schema as { properties: Record<string, unknown> };
      expect(Object.keys(schema.properties)).toEqual(["id", "operation", "status", "at", "recipients"]);
    }
    expect(Object.keys((messages.patch!.requestBody.content["application/json"]!.schema as { properties: object }).properties)).toEqual(["text", "format", "title", "buttons", "button", "wait"]);
  });

  test("each listed code says what it means and where README explains it", () => {
    const description = notify.responses["422"]!.description;
    expect(description).toContain(`\`idempotency_key_reused\`: ${ERRORS.idempotency_key_reused.message} (README ${ERRORS.idempotency_key_reused.doc})`);
  });

  test("field violations name the code they are answered with", () => {
    expect(property("to")).toMatchObject({ "x-error-code": "bad_recipient", "x-missing-code": "missing_recipient" });
    expect(property("wait")).toMatchObject({ "x-error-code": "bad_wait" });
    expect(property("at")).toMatchObject({ "x-error-code": "bad_at" });
    expect(property("delay")).toMatchObject({ "x-error-code": "bad_delay" });
  });

  test("at and delay: what the description promises is what is accepted", () => {
    expect(property("delay").description).toContain('"30m"');
    expect([accepts({ delay: "30m" }), accepts({ delay: "30d" }), accepts({ delay: "31d" }), accepts({ delay: "30" })]).toEqual([true, true, false, false]);
    expect(property("at").description).toContain("2026-11-25T09:00:00+03:00");
    expect([accepts({ at: "2026-11-25T09:00:00+03:00" }), accepts({ at: "09:00" }), accepts({ at: 1795586400 }), accepts({ at: "2026-11-25T09:00:00" })]).toEqual([true, true, true, false]);
    expect(accepts({ at: "09:00", delay: "1h" })).toBe(false);
  });
});

describe("the admin API", () => {
  const codesOf = (operation: Operation) =>
    Object.values(operation.responses).flatMap((response) => {
      const code = (response.content["application/json"].schema as { properties: { error?: { properties: { code: { const?: string; anyOf?: Array<{ const: string }> } } } } }).properties.error?.properties.code;
      return code ? (code.anyOf ?? [code]).map((option) => option.const) : [];
    });

  test("each route is described by the schemas it checks and answers with, and lists its own codes", () => {
    const list = doc.paths["/keys"]!.get!;
    const revoke = doc.paths["/keys/{key}/revoke"]!.post!;
    const reload = doc.paths["/reload"]!.post!;
    const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema));
    expect(Object.fromEntries(list.parameters.map((p) => [p.name, p.schema]))).toEqual(plain(KeysQuery).properties);
    expect(list.responses["200"]!.content["application/json"].schema).toEqual(plain(KeysResponse));
    expect(revoke.responses["200"]!.content["application/json"].schema).toEqual(plain(RevokeResponse));
    expect(reload.responses["422"]!.content["application/json"].schema).toEqual(plain(ReloadRejected));
    for (const operation of [list, revoke, reload]) expect(codesOf(operation)).toEqual(expect.arrayContaining(["unauthorized", "forbidden_admin"]));
    expect(codesOf(list)).toEqual(expect.arrayContaining(["bad_field", "unknown_field", "unknown_bot"]));
    expect(codesOf(revoke)).toContain("unknown_key");
    expect(codesOf(notify)).not.toContain("forbidden_admin");
  });
});
