// Image headers: format and size in pixels from the first bytes, for the formats Telegram
// shows as photos; a few document types by magic bytes; anything else is not an image.
import { describe, expect, test } from "bun:test";
import { readImageInfo, sniffMime } from "../../src/lib/image-info.ts";
import { gifBytes, jpegBytes, pngBytes, webpBytes } from "../fakes/images.ts";

describe("readImageInfo", () => {
  test("PNG, JPEG (its frame header after an EXIF block), WebP (VP8, VP8L, VP8X), GIF", () => {
    expect(readImageInfo(pngBytes(1280, 960))).toEqual({ format: "png", mime: "image/png", width: 1280, height: 960 });
    expect(readImageInfo(jpegBytes(4000, 3000, { exifBytes: 60_000 }))).toEqual({ format: "jpeg", mime: "image/jpeg", width: 4000, height: 3000 });
    expect(readImageInfo(webpBytes(640, 480, "VP8 "))).toMatchObject({ format: "webp", width: 640, height: 480 });
    expect(readImageInfo(webpBytes(641, 481, "VP8L"))).toMatchObject({ format: "webp", width: 641, height: 481 });
    expect(readImageInfo(webpBytes(9000, 300, "VP8X"))).toMatchObject({ format: "webp", width: 9000, height: 300 });
    expect(readImageInfo(gifBytes(32, 16))).toMatchObject({ format: "gif", width: 32, height: 16 });
  });

  test("a header cut short, a damaged segment, or other bytes are not an image", () => {
    const jpeg = jpegBytes(100, 100, { exifBytes: 5000 });
    expect(readImageInfo(jpeg.subarray(0, 3000))).toBeUndefined();
    const damaged = jpeg.slice();
    damaged[2] = 0x00; // a segment must start with FF
    expect(readImageInfo(damaged)).toBeUndefined();
    expect(readImageInfo(new TextEncoder().encode("%PDF-1.7 ..."))).toBeUndefined();
    expect(readImageInfo(new Uint8Array(0))).toBeUndefined();
    expect(readImageInfo(pngBytes(0, 10))).toBeUndefined();
  });
});

describe("sniffMime", () => {
  test("images, PDF and ZIP by magic bytes; anything else unknown", () => {
    expect(sniffMime(pngBytes(1, 1))).toBe("image/png");
    expect(sniffMime(jpegBytes(1, 1))).toBe("image/jpeg");
    expect(sniffMime(new TextEncoder().encode("%PDF-1.4\n"))).toBe("application/pdf");
    expect(sniffMime(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0]))).toBe("application/zip");
    expect(sniffMime(new TextEncoder().encode("hello"))).toBeUndefined();
  });
});
