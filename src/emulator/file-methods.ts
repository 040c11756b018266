import { ApiError, errorResponse, errors } from "./api-error.ts";
import type { FileStore } from "./files.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";

/** getFile answers a file's path; the file route serves the bytes (see files.ts for the rules). */
export function getFile(ctx: MethodContext): MethodResult {
  return { result: ctx.bot.files.describe(ctx.params.string("file_id")) };
}

/** The answer to `GET /file/bot<token>/<path>` for a known bot: the bytes, or 404. */
export function serveFile(files: FileStore, path: string, method: string): Response {
  const file = files.byFilePath(path);
  if (!file) return errorResponse(errors.notFound());
  if (method !== "GET" && method !== "HEAD") return errorResponse(new ApiError(405, "Method Not Allowed"));
  const headers = { "content-type": file.mime_type, "content-length": String(file.bytes.length) };
  return new Response(method === "HEAD" ? null : file.bytes, { status: 200, headers });
}
