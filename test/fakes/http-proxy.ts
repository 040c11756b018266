// A minimal forward HTTP proxy (absolute-form requests, as clients send for http:// targets
// through a proxy). Counts what passes through, so tests can prove a bot used its proxy.
export interface FakeProxy {
  url: string;
  /** Paths requested through the proxy, tokens included: assert on methods, not on these. */
  requests: string[];
  close(): Promise<void>;
}

export async function startHttpProxy(): Promise<FakeProxy> {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const target = new URL(req.url);
      requests.push(target.pathname);
      const headers = new Headers(req.headers);
      headers.delete("proxy-connection");
      headers.delete("proxy-authorization");
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
      const upstream = await fetch(target, { method: req.method, headers, body, signal: req.signal });
      return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, close: () => server.stop(true) };
}
