// A real local webhook receiver (Bun.serve) that checks each request the way the docs tell
// a receiver to: HMAC-SHA256 of the raw body with the secret, compared in constant time.
// `answer` scripts the response per request; every request is recorded.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface Received {
  eventId: string | null;
  signatureOk: boolean;
  body: string;
  headers: Headers;
  url: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Event ids of the requests answered 2xx, in arrival order. */
  readonly acknowledged: string[];
  answer: (request: Received, index: number) => Response | Promise<Response>;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function verifySignature(secret: string, body: Uint8Array, header: string | null): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `port`: listen there (a receiver coming back where it was); default any free port. */
export function startReceiver(secret: string, port = 0): Receiver {
  const received: Received[] = [];
  const acknowledged: string[] = [];
  const waiters = new Set<() => void>();
  const server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      const raw = new Uint8Array(await req.arrayBuffer());
      const request: Received = {
        eventId: req.headers.get("x-tgsignal-event"),
        signatureOk: verifySignature(secret, raw, req.headers.get("x-tgsignal-signature")),
        body: new TextDecoder().decode(raw),
        headers: req.headers,
        url: req.url,
      };
      received.push(request);
      for (const wake of [...waiters]) wake();
      const response = await receiver.answer(request, received.length - 1);
      if (response.status >= 200 && response.status < 300 && request.eventId) acknowledged.push(request.eventId);
      return response;
    },
  });
  const receiver: Receiver = {
    url: `http://127.0.0.1:${server.port}/hook`,
    received,
    acknowledged,
    answer: () => new Response("ok"),
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${received.length} requests, expected ${count}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: async () => void (await server.stop(true)),
  };
  return receiver;
}
