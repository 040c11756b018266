// What a Bot API method handler gets and returns (kept apart from the handlers, so
// send-message.ts and methods.ts share it without importing each other).
import type { BotState } from "./bot-state.ts";
import type { FloodControl } from "./flood-control.ts";
import type { Params } from "./params.ts";
import type { SentMessage } from "./types.ts";

/** What a method handler may use; one per call. */
export interface MethodContext {
  bot: BotState;
  token: string;
  params: Params;
  signal: AbortSignal;
  now: () => number;
  longPollMaxMs: number | undefined;
  flood: FloodControl | undefined;
  onSent(message: SentMessage): void;
  /** Tells waiting tests that a message, reaction, answer or menu changed. */
  onChange(): void;
}

export interface MethodResult {
  result: unknown;
  /** Telegram adds a description to some successes ("Webhook was set"). */
  description?: string;
}

export type MethodHandler = (ctx: MethodContext) => MethodResult | Promise<MethodResult>;
