// Shared by the two-way benchmarks: a client that long-polls GET /events as 1C's scheduled
// job or a script would (cursor kept by the caller), and the gateway's metrics.

/** The part of the event JSON the benchmarks match on. */
export interface SeenEvent {
  id: string;
  type: "message" | "button";
  chat_id: number;
  message_id: number;
}

export interface ReadEventsOptions {
  url: string;
  token: string;
  /** Told about every page that is not empty, with performance.now() when it arrived. */
  onEvents(events: SeenEvent[], arrivedAt: number): void;
  signal: AbortSignal;
  /** Start after this id (default "0"). */
  after?: string;
  limit?: number;
  /** Seconds each long poll waits (default 30). */
  wait?: number;
}

/** Long-polls until `signal` aborts; resolves then (the aborted request is not an error). */
export async function readEvents(options: ReadEventsOptions): Promise<void> {
  let after = options.after ?? "0";
  const query = `limit=${options.limit ?? 100}&wait=${options.wait ?? 30}`;
  const headers = { Authorization: `Bearer ${options.token}` };
  while (!options.signal.aborted) {
    let events: SeenEvent[];
    try {
      const res = await fetch(`${options.url}/events?after=${after}&${query}`, { headers, signal: options.signal });
      if (res.status !== 200) throw new Error(`GET /events answered ${res.status}: ${await res.text()}`);
      events = ((await res.json()) as { events: SeenEvent[] }).events;
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    if (events.length === 0) continue;
    options.onEvents(events, performance.now());
    after = events.at(-1)!.id;
  }
}

export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}

/** Waits (up to 20 s) until the gateway counts `count` long polls waiting. */
export async function waitForWaiters(url: string, count: number): Promise<void> {
  for (let i = 0; i < 2000 && (await metric(url, "tgsignal_events_waiters")) < count; i++) await Bun.sleep(10);
}
