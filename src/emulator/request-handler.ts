import { ApiError, errorResponse, errors, okResponse } from "./api-error.ts";
import type { BotState } from "./bot-state.ts";
import { FaultInjection } from "./fault-injection.ts";
import { serveFile } from "./file-methods.ts";
import type { FloodControl } from "./flood-control.ts";
import { METHODS } from "./methods.ts";
import { readParams } from "./params.ts";
import { parseRoute } from "./routes.ts";
import type { EmulatorStats, SentMessage } from "./types.ts";

export interface RequestHandlerOptions {
  bots: ReadonlyMap<string, BotState>;
  now: () => number;
  flood: FloodControl | undefined;
  longPollMaxMs: number | undefined;
  onSent(message: SentMessage): void;
  onChange(): void;
}

/**
 * The emulator's HTTP side: routes a request to a method or a file, and applies what every
 * request goes through (artificial latency, outages, the token, scripted failures) and the
 * call counters. A Bot API refusal is answered with its status and Telegram's JSON body.
 */
export class RequestHandler {
  readonly faults = new FaultInjection();
  readonly counters: EmulatorStats = { calls: {}, tooManyRequests: 0, sendsByBot: {}, uploadsByBot: {}, fileIdReusesByBot: {} };
  delayMs = 0;

  constructor(private readonly options: RequestHandlerOptions) {}

  readonly fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const route = parseRoute(url.pathname);
    if (route?.kind === "file") return this.download(req, route.token, route.path);
    if (!route) return this.answer(errors.notFound());
    const method = METHODS.get(route.method.toLowerCase());
    const name = method?.name ?? route.method;
    this.counters.calls[name] = (this.counters.calls[name] ?? 0) + 1;
    try {
      const bot = await this.admit(req, route.token, method ? name : undefined);
      if (!method) throw errors.notFound();
      const params = await readParams(req, url);
      const { result, description } = await method.handle({
        bot,
        token: route.token,
        params,
        signal: req.signal,
        now: this.options.now,
        longPollMaxMs: this.options.longPollMaxMs,
        flood: this.options.flood,
        onSent: (message) => this.recordSent(message),
        onChange: this.options.onChange,
      });
      return okResponse(result, description);
    } catch (error) {
      return this.fail(error);
    }
  };

  private async admit(req: Request, token: string, scriptedName: string | undefined): Promise<BotState> {
    if (this.delayMs > 0) await sleep(this.delayMs, req.signal);
    const outage = this.faults.outageFor(token);
    if (outage) throw outage;
    const bot = this.options.bots.get(token);
    if (!bot) throw errors.unauthorized();
    const scripted = scriptedName === undefined ? undefined : this.faults.takeScripted(token, scriptedName);
    if (scripted) throw scripted;
    if (req.signal.aborted) throw new ApiError(499, "Client Closed Request");
    return bot;
  }

  /**
   * `GET /file/bot<token>/<path>`: 401 for a wrong token (as for methods), 404 for a path
   * getFile never gave. Scripted failures use the name "downloadFile".
   */
  private async download(req: Request, token: string, path: string): Promise<Response> {
    try {
      const bot = await this.admit(req, token, "downloadFile");
      return serveFile(bot.files, path, req.method);
    } catch (error) {
      return this.fail(error);
    }
  }

  private recordSent(message: SentMessage): void {
    const sends = this.counters.sendsByBot;
    sends[message.bot_username] = (sends[message.bot_username] ?? 0) + 1;
    if (message.file) {
      const files = message.file.uploaded ? this.counters.uploadsByBot : this.counters.fileIdReusesByBot;
      files[message.bot_username] = (files[message.bot_username] ?? 0) + 1;
    }
    this.options.onSent(message);
  }

  private fail(error: unknown): Response {
    return this.answer(error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${String(error)}`));
  }

  private answer(error: ApiError): Response {
    if (error.error_code === 429) this.counters.tooManyRequests += 1;
    return errorResponse(error);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
