// What a file is, from its first bytes: the image formats Telegram shows as photos (JPEG,
// PNG, WebP) and GIF, with their size in pixels, and a few document types whose magic
// bytes are unmistakable. Only headers are read (a JPEG's frame header may follow its
// EXIF block, so callers pass up to a few hundred KiB); nothing is decoded.

export type ImageFormat = "jpeg" | "png" | "webp" | "gif";

export interface ImageInfo {
  format: ImageFormat;
  mime: string;
  width: number;
  height: number;
}

const MIME: Record<ImageFormat, string> = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif" };

/** The image's format and size, or undefined when the bytes are no image this reads (or the header is cut off). */
export function readImageInfo(head: Uint8Array): ImageInfo | undefined {
  const size = jpegSize(head) ?? pngSize(head) ?? webpSize(head) ?? gifSize(head);
  if (!size || size.width <= 0 || size.height <= 0) return undefined;
  return { ...size, mime: MIME[size.format] };
}

/** A MIME type from magic bytes: the images above, PDF and ZIP; undefined otherwise. */
export function sniffMime(head: Uint8Array): string | undefined {
  const image = formatOf(head);
  if (image) return MIME[image];
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf"; // %PDF-
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return "application/zip"; // PK\3\4 (also docx, xlsx)
  return undefined;
}

function formatOf(head: Uint8Array): ImageFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return "webp";
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return "gif";
  return undefined;
}

type Size = { format: ImageFormat; width: number; height: number };

/**
 * JPEG: segments after SOI (FF D8) are FF, a marker, and a big-endian length that counts
 * itself; the first start-of-frame (C0–CF except C4 DHT, C8 JPG, CC DAC) holds precision,
 * height, width. Markers without a length: TEM (01), RST0–7 (D0–D7), SOI, EOI.
 */
function jpegSize(b: Uint8Array): Size | undefined {
  if (formatOf(b) !== "jpeg") return undefined;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      i += 2;
      continue;
    }
    const length = be16(b, i + 2);
    if (length < 2) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) return undefined;
      return { format: "jpeg", height: be16(b, i + 5), width: be16(b, i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}

/** PNG: the first chunk is IHDR, width and height big-endian at 16 and 20. */
function pngSize(b: Uint8Array): Size | undefined {
  if (formatOf(b) !== "png" || b.length < 24 || ascii(b, 12, 4) !== "IHDR") return undefined;
  return { format: "png", width: be32(b, 16), height: be32(b, 20) };
}

/** WebP: a RIFF container whose first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webpSize(b: Uint8Array): Size | undefined {
  if (formatOf(b) !== "webp" || b.length < 30) return undefined;
  const chunk = ascii(b, 12, 4);
  // VP8: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
  if (chunk === "VP8 " && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a)
    return { format: "webp", width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  // VP8L: signature 2F, then width-1 and height-1 in 14 bits each, little-endian.
  if (chunk === "VP8L" && b[20] === 0x2f) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  // VP8X: flags and reserved bytes, then canvas width-1 and height-1 in 24 bits each.
  if (chunk === "VP8X") return { format: "webp", width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  return undefined;
}

/** GIF: the logical screen's width and height, little-endian at 6 and 8. */
function gifSize(b: Uint8Array): Size | undefined {
  if (formatOf(b) !== "gif" || b.length < 10) return undefined;
  return { format: "gif", width: le16(b, 6), height: le16(b, 8) };
}

function startsWith(b: Uint8Array, prefix: number[]): boolean {
  return b.length >= prefix.length && prefix.every((byte, index) => b[index] === byte);
}

function ascii(b: Uint8Array, at: number, length: number): string {
  if (b.length < at + length) return "";
  return String.fromCharCode(...b.subarray(at, at + length));
}

const be16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const be32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const le16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const le24 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
