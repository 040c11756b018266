/**
 * The two kinds of URL a Bot API server answers:
 * - `/bot<token>/<method>`: a method call (the token is the only credential);
 * - `/file/bot<token>/<file_path>`: the bytes of a file, at the path getFile answered.
 */
export type BotApiRoute =
  | { kind: "method"; token: string; method: string }
  | { kind: "file"; token: string; path: string };

const METHOD_PATH = /^\/bot([^/]+)\/([^/]+)\/?$/;
const FILE_PATH = /^\/file\/bot([^/]+)\/(.+)$/;

export function parseRoute(pathname: string): BotApiRoute | undefined {
  try {
    const method = METHOD_PATH.exec(pathname);
    if (method) return { kind: "method", token: decodeURIComponent(method[1] ?? ""), method: decodeURIComponent(method[2] ?? "") };
    const file = FILE_PATH.exec(pathname);
    if (file) {
      const path = (file[2] ?? "").split("/").map(decodeURIComponent).join("/");
      return { kind: "file", token: decodeURIComponent(file[1] ?? ""), path };
    }
  } catch {
    // A malformed %-escape names nothing the server knows.
  }
  return undefined;
}
