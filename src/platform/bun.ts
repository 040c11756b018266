import { nodeFiles } from "./node-fs.ts";
import type { Platform, ServeOptions, Server, SignalName } from "./platform.ts";
import { watchDirectory } from "./watch.ts";

// The subset of Bun's API we use, typed locally so `deno check` never needs bun-types.
interface BunServer {
  readonly hostname?: string;
  readonly port?: number;
  requestIP(req: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunGlobal {
  version: string;
  gc(force: boolean): void;
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout?: number;
    maxRequestBodySize?: number;
    fetch(req: Request, server: BunServer): Response | Promise<Response>;
    error?(error: Error): Response;
  }): BunServer;
}

const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;

async function serve(options: ServeOptions): Promise<Server> {
  const server = bun.serve({
    hostname: options.hostname,
    port: options.port,
    // Requests may wait up to `wait` seconds (max 60) for delivery; keep sockets open longer.
    idleTimeout: 120,
    // Bun refuses bodies over 128 MiB by itself, with a bare 413. The routes read bodies
    // as streams against their own limits (body_limit, upload_limit, both live), and say
    // which one was exceeded.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: (req, srv) => options.handler(req, { remoteAddr: srv.requestIP(req)?.address ?? "" }),
    error(error) {
      options.onError?.(error);
      return Response.json({ error: { code: "internal", message: "internal error" } }, { status: 500 });
    },
  });
  return {
    hostname: server.hostname ?? options.hostname,
    port: server.port ?? options.port,
    stop: () => server.stop(false),
  };
}

export const bunPlatform: Platform = {
  runtime: "bun",
  runtimeVersion: bun.version,
  serve,
  ...nodeFiles,
  watchDir: watchDirectory,
  collectGarbage: () => bun.gc(true),
  onSignal(signal: SignalName, handler: () => void) {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  // Bun's fetch takes a `proxy` URL directly.
  proxyFetchOptions: (proxyUrl) => ({ proxy: proxyUrl }) as RequestInit,
  envAll: () => ({ ...process.env }) as Record<string, string>,
  args: () => process.argv.slice(2),
};
