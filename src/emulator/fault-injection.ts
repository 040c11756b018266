import { ApiError } from "./api-error.ts";
import type { InjectedFailure, OutageOptions } from "./types.ts";

const OUTAGE_DESCRIPTIONS: Readonly<Record<number, string>> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Scripted failures: one-shot per (token, method) and ongoing outages per token or "*". */
export class FaultInjection {
  private readonly scripted = new Map<string, { failure: InjectedFailure; remaining: number }[]>();
  private readonly outages = new Map<string, OutageOptions>();

  failNext(token: string, method: string, failure: InjectedFailure): void {
    const key = `${token}\n${method.toLowerCase()}`;
    const queue = this.scripted.get(key) ?? [];
    queue.push({ failure, remaining: failure.times ?? 1 });
    this.scripted.set(key, queue);
  }

  setOutage(target: string, outage: OutageOptions | null): void {
    if (outage === null) this.outages.delete(target);
    else this.outages.set(target, outage);
  }

  /** The outage answer for this token, if any (a "*" outage hits every bot). */
  outageFor(token: string): ApiError | undefined {
    const outage = this.outages.get(token) ?? this.outages.get("*");
    if (!outage) return undefined;
    return new ApiError(outage.status, outage.description ?? OUTAGE_DESCRIPTIONS[outage.status] ?? "Server Error");
  }

  /** Consumes one scripted failure for this call, if any. */
  takeScripted(token: string, method: string): ApiError | undefined {
    const key = `${token}\n${method.toLowerCase()}`;
    const queue = this.scripted.get(key);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.scripted.delete(key);
    const { error_code, description, retry_after } = head.failure;
    return new ApiError(error_code, description, retry_after === undefined ? undefined : { retry_after });
  }
}
