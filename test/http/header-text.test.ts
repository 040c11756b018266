// Text in headers (Filename, Message): raw UTF-8 bytes (handed over one character per
// byte), RFC 2047 encoded words, and Latin-1 that is no UTF-8, all read as the sender meant.
import { expect, test } from "bun:test";
import { headerText } from "../../src/http/header-text.ts";

const asBytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");

test("raw UTF-8 in a header reads as the text", () => {
  expect(headerText(asBytes("Счёт 1042.pdf"))).toBe("Счёт 1042.pdf");
  expect(headerText("plain.pdf")).toBe("plain.pdf");
});

test("RFC 2047 encoded words, B and Q, UTF-8 and Latin-1; adjacent words join", () => {
  expect(headerText(`=?UTF-8?B?${Buffer.from("Акт сверки").toString("base64")}?=.pdf`)).toBe("Акт сверки.pdf");
  expect(headerText("=?utf-8?Q?=D0=90=D0=BA=D1=82_=E2=84=96?= =?utf-8?Q?5?=")).toBe("Акт №5");
  expect(headerText("=?ISO-8859-1?Q?caf=E9?=")).toBe("café");
});

test("bytes that are no UTF-8 stay as Latin-1; a malformed word stays as written", () => {
  expect(headerText("caf\u00e9")).toBe("café");
  expect(headerText("=?UTF-8?B?/w==?=")).toBe("=?UTF-8?B?/w==?=");
  expect(headerText("=?KOI8-R?B?6w==?=")).toBe("=?KOI8-R?B?6w==?=");
});
