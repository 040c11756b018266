import type { SentFilter, SentMessage } from "./types.ts";

/** Every accepted sendMessage, oldest first, with waiting and watching for tests. */
export class SentLog {
  private readonly log: SentMessage[] = [];
  private readonly listeners = new Set<(message: SentMessage) => void>();

  record(message: SentMessage): void {
    this.log.push(message);
    for (const listener of [...this.listeners]) listener(message);
  }

  list(token?: string, filter?: SentFilter): SentMessage[] {
    return this.log.filter((message) => (token === undefined || message.token === token) && matches(message, filter));
  }

  /** Resolves with the first message matching `predicate`, including earlier ones. */
  waitFor(predicate: (message: SentMessage) => boolean, timeoutMs: number): Promise<SentMessage> {
    const earlier = this.log.find(predicate);
    if (earlier) return Promise.resolve(earlier);
    return new Promise<SentMessage>((resolve, reject) => {
      const unwatch = this.watch((message) => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        unwatch();
        resolve(message);
      });
      const timer = setTimeout(() => {
        unwatch();
        reject(new Error(this.describeTimeout(timeoutMs)));
      }, timeoutMs);
    });
  }

  watch(listener: (message: SentMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.log.length = 0;
  }

  private describeTimeout(timeoutMs: number): string {
    const recent = this.log.slice(-3).map((m) => `${m.chat_id}: ${JSON.stringify(m.text.slice(0, 60))}`);
    return (
      `waitForSent: no matching message was sent within ${timeoutMs} ms ` +
      `(${this.log.length} sent in total${recent.length ? `; last: ${recent.join(", ")}` : ""})`
    );
  }
}

function matches(message: SentMessage, filter: SentFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "function") return filter(message);
  if (filter.chat_id !== undefined && message.chat_id !== filter.chat_id) return false;
  if (filter.text === undefined) return true;
  return typeof filter.text === "string" ? message.text === filter.text : filter.text.test(message.text);
}
