// The bot's commands menu (DESIGN, "Commands menu"): the configured `bots.<id>.commands`
// and the built-in /key, /stop, /help (texts menu_key, menu_stop, menu_help), published
// with setMyCommands at start and whenever they change. Telegram keeps one list per
// language scope: the one without language_code is shown to everyone whose language has
// no list of its own, so the default list is English and Russian speakers get Russian,
// matching the replies of a bot with `language: auto`; a bot fixed to one language shows
// that language in both.
//
// A failure is logged and never fatal (the bot still answers typed commands); it is
// retried at the next start or config change. Nothing is sent when nothing changed.
import type { BotConfig } from "../config/types.ts";
import { DEFAULT_TEXTS, type Language, type TextName } from "../config/texts.ts";
import type { Logger } from "../lib/log.ts";
import type { SetMyCommandsParams } from "../telegram/api.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import { telegramBotId } from "./poller.ts";

/** Telegram: a command's description is 1–256 characters. */
const DESCRIPTION_LIMIT = 256;

const BUILT_IN: ReadonlyArray<{ command: string; text: TextName }> = [
  { command: "key", text: "menu_key" },
  { command: "stop", text: "menu_stop" },
  { command: "help", text: "menu_help" },
];

/** The setMyCommands calls that publish the bot's menu: the default scope, then Russian. */
export function buildMenu(config: BotConfig): SetMyCommandsParams[] {
  const fixed = config.language === "auto" ? undefined : config.language;
  return [
    { commands: commandsIn(config, fixed ?? "en") },
    { language_code: "ru", commands: commandsIn(config, fixed ?? "ru") },
  ];
}

function commandsIn(config: BotConfig, language: Language): SetMyCommandsParams["commands"] {
  const builtIn = BUILT_IN.map(({ command, text }) => {
    // An emptied text would make Telegram refuse the whole list: the default stands in.
    const description = config.texts[text]?.trim() || DEFAULT_TEXTS[language][text];
    return { command, description: clip(description) };
  });
  return [...config.commands.map(({ command, description }) => ({ command, description: clip(description) })), ...builtIn];
}

function clip(text: string): string {
  const chars = Array.from(text);
  return chars.length > DESCRIPTION_LIMIT ? chars.slice(0, DESCRIPTION_LIMIT).join("") : text;
}

export type MenuClient = Pick<BotClient, "config" | "setCommands">;

export class MenuPublisher {
  /** What each bot's menu was last published as (Telegram bot, server, lists). */
  readonly #published = new Map<string, string>();
  /** One publication per bot at a time, in order: a later change waits for the earlier call. */
  readonly #running = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Publishes the client's menu unless it is what was last published for it. Never rejects. */
  sync(client: MenuClient): Promise<void> {
    const id = client.config.id;
    const next = (this.#running.get(id) ?? Promise.resolve()).then(() => this.#publish(client));
    this.#running.set(id, next);
    void next.then(() => {
      if (this.#running.get(id) === next) this.#running.delete(id);
    });
    return next;
  }

  async #publish(client: MenuClient): Promise<void> {
    const { config } = client;
    const menu = buildMenu(config);
    const fingerprint = JSON.stringify([telegramBotId(config.token), config.apiUrl, menu]);
    if (this.#published.get(config.id) === fingerprint) return;
    this.#published.delete(config.id);
    for (const scope of menu) {
      const outcome = await client.setCommands(scope);
      if (outcome.kind !== "ok") {
        this.log.warn("commands menu not published; retried at the next start or config change", {
          bot: config.id,
          language: scope.language_code ?? "default",
          error: outcome.reason,
        });
        return;
      }
    }
    this.#published.set(config.id, fingerprint);
    this.log.info("commands menu published", { bot: config.id, commands: menu[0]!.commands.length });
  }
}
