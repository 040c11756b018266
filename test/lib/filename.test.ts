// File names from callers, made fit to show and to upload: never a path, no hidden
// characters, any alphabet kept, bounded length. The hostile names are big enough that a
// quadratic trim would run into the test timeout; the time itself is measured by
// `npm run bench -- hostile-input`, never asserted here.
import { describe, expect, test } from "bun:test";
import { MAX_FILENAME_BYTES, sanitizeFilename } from "../../src/lib/filename.ts";

const clean = (name: string) => sanitizeFilename(name, "file");

describe("sanitizeFilename", () => {
  test("any alphabet and emoji stay", () => {
    expect(clean("Счёт №1042 от 01.12.pdf")).toBe("Счёт №1042 от 01.12.pdf");
    expect(clean("報告書 📊.xlsx")).toBe("報告書 📊.xlsx");
  });

  test("directories are dropped, Unix and Windows alike", () => {
    expect(clean("../../etc/passwd")).toBe("passwd");
    expect(clean("C:\\Users\\ivanov\\Desktop\\акт.docx")).toBe("акт.docx");
    expect(clean("/")).toBe("file");
    expect(clean("..")).toBe("file");
  });

  test("control and bidi characters go; double quotes become single ones", () => {
    expect(clean("invoice\u202efdp.exe")).toBe("invoicefdp.exe");
    expect(clean("a\u0000b\r\nc\u0007.txt")).toBe("ab c.txt");
    expect(clean('say "hi".txt')).toBe("say 'hi'.txt");
    expect(clean("tab\tand   spaces.txt")).toBe("tab and spaces.txt");
  });

  test("leading dots and trailing dots and spaces go; nothing left is the fallback", () => {
    expect(clean(".env")).toBe("env");
    expect(clean("report.pdf. . ")).toBe("report.pdf");
    expect(sanitizeFilename(" \u200b ", "file.pdf")).toBe("file.pdf");
  });

  test("a long name is cut to 255 UTF-8 bytes at a character, keeping its extension", () => {
    const name = clean("я".repeat(300) + ".pdf");
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect(name.endsWith("я.pdf")).toBe(true);
    const emoji = clean("😀".repeat(100) + ".txt");
    expect(emoji).toBe("😀".repeat(62) + ".txt");
  });

  test("hostile names of a megabyte: runs of dots and spaces, slashes", () => {
    expect(clean(" .".repeat(500_000) + "x")).toBe("x");
    expect(clean("x" + " .".repeat(500_000))).toBe("x");
    expect(clean("/".repeat(1_000_000))).toBe("file");
    expect(clean("x" + " .".repeat(500_000) + "y").length).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
  });
});
