import { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import type { BotApiEmulatorOptions } from "../../src/emulator/types.ts";

export const TOKEN = "123456:TEST-token";
export const OTHER_TOKEN = "654321:OTHER-token";
export const ALICE = { id: 1001, first_name: "Alice", username: "alice" };
export const GROUP = { id: -2001, type: "group" as const, title: "Ops" };

/** A settable millisecond clock for rate-limit tests (no sleeps). */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

export function makeEmulator(options: BotApiEmulatorOptions = {}): BotApiEmulator {
  const emulator = new BotApiEmulator(options);
  emulator.addBot({ token: TOKEN, id: 123456, username: "signal_bot", first_name: "Signal" });
  return emulator;
}

export interface CallResult {
  status: number;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  };
}

/** POSTs JSON to /bot<token>/<method> through the emulator's fetch handler. */
export async function call(
  emulator: BotApiEmulator,
  method: string,
  params: Record<string, unknown> = {},
  options: { token?: string; signal?: AbortSignal } = {},
): Promise<CallResult> {
  const request = new Request(`http://api.test/bot${options.token ?? TOKEN}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const response = await emulator.fetch(request);
  return { status: response.status, body: (await response.json()) as CallResult["body"] };
}

/** Result of a successful call, failing the test with Telegram's description otherwise. */
export async function ok<T = Record<string, unknown>>(
  emulator: BotApiEmulator,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const { body } = await call(emulator, method, params);
  if (!body.ok) throw new Error(`${method} failed: ${body.error_code} ${body.description}`);
  return body.result as T;
}
