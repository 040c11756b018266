// The streaming multipart reader: the same parts whatever the chunking (a delimiter split
// across chunks at every position), names and filenames as browsers and curl write them,
// bounded part headers, and malformed forms refused with 400.
import { describe, expect, test } from "bun:test";
import { RequestError } from "../../src/lib/errors.ts";
import { boundaryOf, MAX_FORM_PARTS, MAX_PART_HEADER_BYTES, readMultipart, type PartHead } from "../../src/http/multipart.ts";

const BOUNDARY = "----tgsignalBoundary7MA4YWxkTrZu0gW";

interface Part {
  head: PartHead;
  body: string;
}

async function read(body: Uint8Array, chunkSize: number | number[], boundary = BOUNDARY): Promise<Part[]> {
  const sizes = Array.isArray(chunkSize) ? chunkSize : [chunkSize];
  async function* chunks() {
    let at = 0;
    for (let i = 0; at < body.length; i++) {
      const size = sizes[i % sizes.length]!;
      yield body.subarray(at, at + size);
      at += size;
    }
  }
  const parts: Part[] = [];
  await readMultipart(chunks(), boundary, (head) => {
    const bytes: number[] = [];
    return {
      write: (chunk) => void bytes.push(...chunk),
      end: () => void parts.push({ head, body: new TextDecoder().decode(new Uint8Array(bytes)) }),
    };
  });
  return parts;
}

const encode = (text: string) => new TextEncoder().encode(text);

function formOf(parts: Array<{ disposition: string; type?: string; body: string }>, boundary = BOUNDARY): string {
  return (
    "preamble to ignore\r\n" +
    parts.map((p) => `--${boundary}\r\nContent-Disposition: ${p.disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n${p.body}\r\n`).join("") +
    `--${boundary}--\r\nepilogue to ignore`
  );
}

const FORM = formOf([
  { disposition: 'form-data; name="to"', body: "ivanov" },
  { disposition: 'form-data; name="text"', body: "Счёт\r\n--not a boundary\r\n----tgsignalBoundary7MA4 almost" },
  { disposition: 'form-data; name="file"; filename="Счёт \\"1042\\".pdf"', type: "application/pdf", body: "%PDF-1.7 bytes\r\n\r\nmore" },
  { disposition: `form-data; name="f2"; filename="fallback.txt"; filename*=UTF-8''%D0%B0%D0%BA%D1%82.txt`, body: "" },
]);

const EXPECTED: Part[] = [
  { head: { name: "to" }, body: "ivanov" },
  { head: { name: "text" }, body: "Счёт\r\n--not a boundary\r\n----tgsignalBoundary7MA4 almost" },
  { head: { name: "file", filename: 'Счёт "1042".pdf', contentType: "application/pdf" }, body: "%PDF-1.7 bytes\r\n\r\nmore" },
  { head: { name: "f2", filename: "акт.txt" }, body: "" },
];

describe("readMultipart", () => {
  test("one chunk", async () => {
    expect(await read(encode(FORM), 1 << 20)).toEqual(EXPECTED);
  });

  test("every chunk size from 1 to 80 bytes gives the same parts (delimiters split at every position)", async () => {
    const body = encode(FORM);
    for (let size = 1; size <= 80; size++) expect(await read(body, size)).toEqual(EXPECTED);
    expect(await read(body, [1, 37, 2, 90, 3])).toEqual(EXPECTED);
  });

  test("a body that starts with the boundary (no preamble), and a quoted boundary", async () => {
    const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${BOUNDARY}--\r\n`;
    expect(await read(encode(body), 7)).toEqual([{ head: { name: "a" }, body: "1" }]);
    expect(boundaryOf(`multipart/form-data; boundary="${BOUNDARY}"`)).toBe(BOUNDARY);
    expect(boundaryOf(`multipart/form-data;boundary=${BOUNDARY}; charset=utf-8`)).toBe(BOUNDARY);
  });

  test("a big part is handed over in pieces as it arrives, never collected whole", async () => {
    const big = "x".repeat(1_000_000);
    const body = encode(formOf([{ disposition: 'form-data; name="f"; filename="a.bin"', body: big }]));
    let largest = 0;
    let total = 0;
    async function* chunks() {
      for (let at = 0; at < body.length; at += 65536) yield body.subarray(at, at + 65536);
    }
    await readMultipart(chunks(), BOUNDARY, () => ({ write: (chunk) => void ((largest = Math.max(largest, chunk.length)), (total += chunk.length)), end: () => {} }));
    expect(total).toBe(big.length);
    expect(largest).toBeLessThanOrEqual(65536);
  });

  const refusal = async (body: string, boundary = BOUNDARY) =>
    read(encode(body), 13, boundary).then(
      () => "accepted",
      (error: unknown) => (error instanceof RequestError ? `${error.code}: ${error.message}` : String(error)),
    );

  test("malformed forms are 400 bad_body", async () => {
    expect(await refusal(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno closing boundary`)).toContain("bad_body: the multipart body ended before its closing boundary");
    expect(await refusal(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`)).toContain("no Content-Disposition");
    expect(await refusal(`--${BOUNDARY}xyz\r\n`)).toContain("malformed boundary line");
    expect(await refusal(`--${BOUNDARY}\r\nX-Long: ${"a".repeat(MAX_PART_HEADER_BYTES)}\r\n\r\n`)).toContain(`headers are longer than ${MAX_PART_HEADER_BYTES} bytes`);
    expect(await refusal("no boundary at all")).toContain("closing boundary");
    expect(() => boundaryOf("multipart/form-data")).toThrow("without a boundary");
  });

  test(`a form of more than ${MAX_FORM_PARTS} parts is 400 bad_body at the part past it (a megabyte of tiny parts is 17,000)`, async () => {
    const parts = (count: number) => formOf(Array.from({ length: count }, () => ({ disposition: 'form-data; name="to"', body: "u1" })));
    expect(await read(encode(parts(MAX_FORM_PARTS)), 4096)).toHaveLength(MAX_FORM_PARTS);
    expect(await refusal(parts(MAX_FORM_PARTS + 1))).toContain(`bad_body: the multipart form has more than ${MAX_FORM_PARTS} parts`);
  });
});
