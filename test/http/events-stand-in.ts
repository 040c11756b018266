// A small local stand-in of the two Bot API endpoints a file download uses: getFile and
// /file/bot<token>/<path>. The emulator learns them in another branch; until then the
// file route is tested against this.

export interface FileStandIn {
  url: string;
  /** getFile answers by file_id: a file (bytes at file_path) or Telegram's error. */
  files: Map<string, { bytes: Uint8Array; size?: number } | { error: string }>;
  requests: string[];
  stop(): Promise<void>;
}

export async function startFileStandIn(token: string): Promise<FileStandIn> {
  const files: FileStandIn["files"] = new Map();
  const requests: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(path.replace(token, "<token>"));
      if (path === `/bot${token}/getFile`) {
        const { file_id } = (await req.json()) as { file_id: string };
        const file = files.get(file_id);
        if (!file || "error" in file) return Response.json({ ok: false, error_code: 400, description: file?.error ?? "Bad Request: invalid file_id" }, { status: 400 });
        return Response.json({ ok: true, result: { file_id, file_unique_id: `u-${file_id}`, file_size: file.size ?? file.bytes.length, file_path: `documents/${file_id}.bin` } });
      }
      const match = /^\/file\/bot([^/]+)\/documents\/(.+)\.bin$/.exec(path);
      const file = match && match[1] === token ? files.get(decodeURIComponent(match[2]!)) : undefined;
      if (!file || "error" in file) return new Response("Not Found", { status: 404 });
      return new Response(file.bytes, { headers: { "Content-Type": "application/octet-stream" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, files, requests, stop: () => server.stop(true) };
}
