import { nodeFiles } from "./node-fs.ts";
import type { Platform, ServeOptions, Server, SignalName } from "./platform.ts";
import { watchDirectory } from "./watch.ts";

// The subset of Deno's API we use, typed locally so tsc never needs Deno's lib.
interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
  addr: { hostname: string; port: number };
}
interface DenoGlobal {
  version: { deno: string };
  args: string[];
  env: { toObject(): Record<string, string> };
  createHttpClient(options: { proxy: { url: string } }): unknown;
  addSignalListener(signal: SignalName, handler: () => void): void;
  removeSignalListener(signal: SignalName, handler: () => void): void;
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: { hostname: string; port: number }) => void;
      onError?: (error: unknown) => Response;
    },
    handler: (req: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
}

const deno = (globalThis as unknown as { Deno: DenoGlobal }).Deno;

async function serve(options: ServeOptions): Promise<Server> {
  const server = deno.serve(
    {
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      onError(error) {
        options.onError?.(error);
        return Response.json({ error: { code: "internal", message: "internal error" } }, { status: 500 });
      },
    },
    (req, info) => options.handler(req, { remoteAddr: info.remoteAddr.hostname }),
  );
  return {
    hostname: server.addr.hostname,
    port: server.addr.port,
    stop: () => server.shutdown(),
  };
}

export const denoPlatform: Platform = {
  runtime: "deno",
  runtimeVersion: deno.version.deno,
  serve,
  ...nodeFiles,
  // Deno's native watcher misses files replaced by rename: poll instead.
  watchDir: (dir, onChange, options) => watchDirectory(dir, onChange, { intervalMs: 200, ...options, polling: true }),
  onSignal(signal, handler) {
    deno.addSignalListener(signal, handler);
    return () => deno.removeSignalListener(signal, handler);
  },
  // Deno routes fetch through a proxy with a custom HTTP client.
  proxyFetchOptions: (proxyUrl) => ({ client: deno.createHttpClient({ proxy: { url: proxyUrl } }) }) as RequestInit,
  envAll: () => deno.env.toObject(),
  args: () => deno.args,
};
