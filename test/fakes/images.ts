// Image files for tests: real headers (what the gateway and the emulator read to tell a
// photo's format and size) followed by filler, at any size. Not decodable pictures: nothing
// here decodes pixels, Telegram's servers aside.

export interface ImageOptions {
  /** Total file size in bytes (filler after the header); default: the header and 64 bytes. */
  size?: number;
  /** Filler byte (vary it to get files with different hashes). */
  fill?: number;
}

function withFiller(header: number[], options: ImageOptions, trailer: number[] = []): Uint8Array {
  const size = Math.max(options.size ?? 0, header.length + trailer.length + 64);
  const bytes = new Uint8Array(size).fill(options.fill ?? 0x5a);
  bytes.set(header, 0);
  bytes.set(trailer, size - trailer.length);
  return bytes;
}

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const le24 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
const le32 = (n: number) => [...le16(n & 0xffff), ...le16(n >>> 16)];
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export function pngBytes(width: number, height: number, options: ImageOptions = {}): Uint8Array {
  const ihdr = [...be32(13), ...ascii("IHDR"), ...be32(width), ...be32(height), 8, 2, 0, 0, 0, 0, 0, 0, 0];
  return withFiller([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...ihdr], options, [0, 0, 0, 0, ...ascii("IEND"), 0xae, 0x42, 0x60, 0x82]);
}

/** A JPEG whose frame header comes after `exifBytes` of APP1 segments, as a camera's does. */
export function jpegBytes(width: number, height: number, options: ImageOptions & { exifBytes?: number } = {}): Uint8Array {
  const header: number[] = [0xff, 0xd8];
  let exif = options.exifBytes ?? 0;
  while (exif > 0) {
    const length = Math.min(exif, 65_000);
    header.push(0xff, 0xe1, ...be16(length + 2), ...new Array<number>(length).fill(0x45));
    exif -= length;
  }
  header.push(0xff, 0xc0, ...be16(17), 8, ...be16(height), ...be16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
  header.push(0xff, 0xda, ...be16(12), 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0);
  return withFiller(header, options, [0xff, 0xd9]);
}

export function webpBytes(width: number, height: number, chunk: "VP8 " | "VP8L" | "VP8X" = "VP8 ", options: ImageOptions = {}): Uint8Array {
  const riff = (body: number[]) => [...ascii("RIFF"), ...le32(body.length + 4), ...ascii("WEBP"), ...body];
  if (chunk === "VP8 ") return withFiller(riff([...ascii("VP8 "), ...le32(10), 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...le16(width), ...le16(height)]), options);
  if (chunk === "VP8L") {
    const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
    return withFiller(riff([...ascii("VP8L"), ...le32(5), 0x2f, ...le32(bits)]), options);
  }
  return withFiller(riff([...ascii("VP8X"), ...le32(10), 0, 0, 0, 0, ...le24(width - 1), ...le24(height - 1)]), options);
}

export function gifBytes(width: number, height: number, options: ImageOptions = {}): Uint8Array {
  return withFiller([...ascii("GIF89a"), ...le16(width), ...le16(height), 0, 0, 0], options, [0x3b]);
}

/** A small PDF-looking document (magic bytes and filler). */
export function pdfBytes(options: ImageOptions = {}): Uint8Array {
  return withFiller(ascii("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), options, ascii("%%EOF\n"));
}
