import { describe, expect, test } from "bun:test";
import { urlProblem } from "../../src/emulator/reply-markup.ts";
import type { InlineKeyboardMarkup } from "../../src/emulator/types.ts";
import { ALICE, call, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const withAlice = () => {
  const emulator = makeEmulator({ limits: false });
  emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
  return emulator;
};

const sendWith = (emulator: ReturnType<typeof makeEmulator>, reply_markup: unknown) =>
  call(emulator, "sendMessage", { chat_id: ALICE.id, text: "Invoice 1042", reply_markup });

const keyboard = (...rows: unknown[][]) => ({ inline_keyboard: rows });

describe("sendMessage with an inline keyboard", () => {
  test("the keyboard is in the answer, in the chat and in sent()", async () => {
    const emulator = withAlice();
    const markup: InlineKeyboardMarkup = {
      inline_keyboard: [
        [{ text: "Approve", callback_data: "a" }, { text: "Reject", callback_data: "r" }],
        [{ text: "Open", url: "https://erp.example.org/1042" }],
      ],
    };
    const message = await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "Invoice 1042", reply_markup: markup });
    expect(message.reply_markup).toEqual(markup);
    expect(emulator.keyboard(TOKEN, ALICE.id, message.message_id as number)).toEqual(markup.inline_keyboard);
    expect(emulator.sent(TOKEN)[0]?.reply_markup).toEqual(markup);
  });

  test("a form-encoded reply_markup (a JSON string) is read the same way", async () => {
    const emulator = withAlice();
    const form = new URLSearchParams({ chat_id: String(ALICE.id), text: "x", reply_markup: JSON.stringify(keyboard([{ text: "A", callback_data: "a" }])) });
    const response = await emulator.fetch(new Request(`http://api.test/bot${TOKEN}/sendMessage`, { method: "POST", body: form }));
    expect(await response.json()).toMatchObject({ ok: true, result: { reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } } });
  });

  test("callback_data: 64 bytes are accepted, 65 bytes (also counted in UTF-8) are BUTTON_DATA_INVALID", async () => {
    const emulator = withAlice();
    expect((await sendWith(emulator, keyboard([{ text: "A", callback_data: "x".repeat(64) }]))).status).toBe(200);
    expect((await sendWith(emulator, keyboard([{ text: "A", callback_data: "ж".repeat(32) }]))).status).toBe(200);
    for (const data of ["x".repeat(65), "ж".repeat(33)]) {
      expect((await sendWith(emulator, keyboard([{ text: "A", callback_data: data }]))).body).toEqual({
        ok: false,
        error_code: 400,
        description: "Bad Request: BUTTON_DATA_INVALID",
      });
    }
    expect(emulator.sent(TOKEN)).toHaveLength(2);
  });

  test("a button without an action (an empty callback_data counts as none) is refused", async () => {
    const emulator = withAlice();
    for (const button of [{ text: "A" }, { text: "A", callback_data: "" }]) {
      expect((await sendWith(emulator, keyboard([button]))).body.description).toBe(
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
      );
    }
  });

  test("url buttons take http(s) and tg links; other schemes and malformed links are refused", async () => {
    const emulator = withAlice();
    for (const url of ["https://erp.example.org/doc?id=1", "http://erp.example.org", "tg://resolve?domain=signal_bot", "erp.example.org:8080/x"]) {
      expect((await sendWith(emulator, keyboard([{ text: "Open", url }]))).status).toBe(200);
    }
    const refusals: Array<[string, string]> = [
      ["javascript:alert(1)", "Unsupported URL protocol"],
      ["ftp://example.com", "Unsupported URL protocol"],
      ["not-a-url", "Wrong HTTP URL"],
      ["https://", "Wrong HTTP URL"],
    ];
    for (const [url, problem] of refusals) {
      const { status, body } = await sendWith(emulator, keyboard([{ text: "Open", url }]));
      expect([status, body.description]).toEqual([400, `Bad Request: inline keyboard button URL '${url}' is invalid: ${problem}`]);
    }
  });

  test("100 buttons are accepted; 101 are 'reply markup is too long'", async () => {
    const emulator = withAlice();
    // Rows of 5 buttons, the last one shorter.
    const rows = (count: number) =>
      Array.from({ length: Math.ceil(count / 5) }, (_, row) =>
        Array.from({ length: Math.min(5, count - row * 5) }, (_, i) => ({ text: `${row}.${i}`, callback_data: `${row}.${i}` })));
    expect((await sendWith(emulator, { inline_keyboard: rows(100) })).status).toBe(200);
    expect((await sendWith(emulator, { inline_keyboard: rows(101) })).body.description).toBe("Bad Request: reply markup is too long");
  });

  test("malformed keyboards get Telegram's parse errors and send nothing", async () => {
    const emulator = withAlice();
    const cases: Array<[unknown, string]> = [
      ["{oops", "Bad Request: can't parse reply keyboard markup JSON object"],
      [{}, "Bad Request: can't parse reply keyboard markup JSON object"],
      [{ inline_keyboard: "bad" }, `Bad Request: field "inline_keyboard" must be of type Array`],
      [{ inline_keyboard: ["bad"] }, `Bad Request: field "inline_keyboard" must be an Array of Arrays`],
      [keyboard([{ callback_data: "x" }]), `Bad Request: can't parse inline keyboard button: Can't find field "text"`],
      [keyboard([{ text: 7, callback_data: "x" }]), `Bad Request: can't parse inline keyboard button: Field "text" must be of type String`],
      [keyboard([{ text: " ", callback_data: "x" }]), "Bad Request: BUTTON_TEXT_INVALID"],
    ];
    for (const [markup, description] of cases) expect((await sendWith(emulator, markup)).body.description).toBe(description);
    expect(emulator.sent(TOKEN)).toEqual([]);
  });

  test("reply keyboards are accepted but a Message only shows inline keyboards", async () => {
    const emulator = withAlice();
    const message = await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "x", reply_markup: { remove_keyboard: true } });
    expect(message.reply_markup).toBeUndefined();
  });
});

test("urlProblem: the link rules on their own", () => {
  expect(urlProblem("https://a.example")).toBeUndefined();
  expect(urlProblem("HTTPS://A.EXAMPLE/x")).toBeUndefined();
  expect(urlProblem("data:text/html,hi")).toBe("Unsupported URL protocol");
  expect(urlProblem("localhost")).toBe("Wrong HTTP URL");
  expect(urlProblem("tg:")).toBe("Wrong HTTP URL");
});
