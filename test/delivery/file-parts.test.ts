// Where the text goes with files, and whether a file goes as a photo or a document: pure
// decisions, checked against Telegram's limits.
import { describe, expect, test } from "bun:test";
import { fitsCaption, layoutWithFiles } from "../../src/delivery/file-parts.ts";
import { mediaKindOf, mimeOf } from "../../src/delivery/media.ts";
import type { NotificationFile } from "../../src/delivery/types.ts";
import { RequestError } from "../../src/lib/errors.ts";
import { gifBytes, jpegBytes, pdfBytes, pngBytes, webpBytes } from "../fakes/images.ts";

const file = (as: "photo" | "document", n = 1): NotificationFile => ({ hash: String(n).repeat(64), name: `${n}`, mime: "x/y", size: 1, as });

describe("layoutWithFiles", () => {
  test("a short text is the caption of the one part", () => {
    expect(layoutWithFiles("<b>Счёт</b>", [file("document")], false, 21)).toMatchObject({ parts: ["<b>Счёт</b>"], filePart: 0 });
  });

  test("no text: an empty caption", () => {
    expect(layoutWithFiles("", [file("photo")], false, 21)).toMatchObject({ parts: [""], filePart: 0 });
  });

  test("a text over 1024 visible characters goes first (split as usual), then the files without caption", () => {
    const text = "a ".repeat(3000);
    const layout = layoutWithFiles(text, [file("document")], false, 21);
    expect(layout.parts).toHaveLength(3);
    expect(layout.parts.at(-1)).toBe("");
    expect(layout.filePart).toBe(2);
  });

  test("tags do not count toward the caption's 1024", () => {
    expect(fitsCaption(`<b>${"x".repeat(1024)}</b>`)).toBe(true);
    expect(fitsCaption("x".repeat(1025))).toBe(false);
    expect(fitsCaption("&lt;".repeat(1024))).toBe(true);
  });

  test("an album with a document goes all as documents; photos only stay photos", () => {
    expect(layoutWithFiles("", [file("photo", 1), file("document", 2)], false, 21).files.map((f) => f.as)).toEqual(["document", "document"]);
    expect(layoutWithFiles("", [file("photo", 1), file("photo", 2)], false, 21).files.map((f) => f.as)).toEqual(["photo", "photo"]);
    expect(layoutWithFiles("", [file("photo", 1)], false, 21).files.map((f) => f.as)).toEqual(["photo"]);
  });

  test("buttons with an album: the album first, the text after it carries them; no text is refused", () => {
    expect(layoutWithFiles("Решение?", [file("document", 1), file("document", 2)], true, 21)).toMatchObject({ parts: ["", "Решение?"], filePart: 0 });
    expect(layoutWithFiles("Решение?", [file("document", 1)], true, 21)).toMatchObject({ parts: ["Решение?"], filePart: 0 });
    expect(() => layoutWithFiles("", [file("document", 1), file("document", 2)], true, 21)).toThrow(RequestError);
  });
});

describe("mediaKindOf", () => {
  const kind = (head: Uint8Array, size = head.length, requested: "auto" | "document" = "auto") => mediaKindOf({ head, size }, requested);

  test("JPEG, PNG and WebP within Telegram's limits are photos", () => {
    expect(kind(jpegBytes(4000, 3000, { exifBytes: 40_000 }))).toBe("photo");
    expect(kind(pngBytes(5000, 5000))).toBe("photo");
    expect(kind(webpBytes(1000, 50, "VP8L"))).toBe("photo");
  });

  test("over 10 MB, sides over 10000 together, a ratio over 20, a GIF, not an image, or as=document: a document", () => {
    expect(kind(pngBytes(100, 100), 10 * 1024 * 1024 + 1)).toBe("document");
    expect(kind(pngBytes(5001, 5000))).toBe("document");
    expect(kind(pngBytes(2100, 100))).toBe("document");
    expect(kind(gifBytes(100, 100))).toBe("document");
    expect(kind(pdfBytes())).toBe("document");
    expect(kind(pngBytes(100, 100), 100, "document")).toBe("document");
  });
});

describe("mimeOf", () => {
  test("the caller's type, else the bytes', else the extension's, else octet-stream", () => {
    expect(mimeOf("application/pdf; charset=binary", "x", new Uint8Array())).toBe("application/pdf");
    expect(mimeOf("application/octet-stream", "scan", pngBytes(1, 1))).toBe("image/png");
    expect(mimeOf(undefined, "Отчёт.XLSX", new Uint8Array([1, 2]))).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(mimeOf("not a type", "data.bin", new Uint8Array([1]))).toBe("application/octet-stream");
  });
});
