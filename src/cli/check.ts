// `tgsignal check`: validate the config, then ask Telegram about each bot (getMe and
// getWebhookInfo), like the original's "check" button. Exit 1 if an enabled bot fails.
import type { BotConfig } from "../config/types.ts";
import { errorMessage, formatIssue } from "../lib/errors.ts";
import { redactUrl } from "../lib/redact.ts";
import { createGramioBot, createTelegramApi } from "../telegram/api.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configPath, EXIT, loadConfigOrReport, type CliContext } from "./context.ts";

const USAGE =
  "Usage: tgsignal check [-c FILE]\n" +
  "Validates the config, then calls getMe and getWebhookInfo for each bot: username, id, name, problems.\n" +
  "Exit 0 when every enabled bot answers, 1 when the config is invalid or an enabled bot fails.";

export async function runCheck(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, CONFIG_OPTION, "check");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const file = configPath(ctx, values.config as string | undefined);
  const config = await loadConfigOrReport(ctx, file);
  if (!config) return EXIT.invalid;
  for (const warning of config.warnings) ctx.printError(formatIssue(warning));
  ctx.print(`${file}: config OK`);
  if (config.bots.size === 0) ctx.print("no bots configured");
  const results = await Promise.all([...config.bots.values()].map((bot) => checkBot(ctx, bot)));
  let failed = 0;
  for (const [index, bot] of [...config.bots.values()].entries()) {
    const result = results[index]!;
    for (const line of result.lines) ctx.print(line);
    if (!result.ok && bot.enabled) failed++;
  }
  if (failed > 0) ctx.printError(`${failed} enabled bot${failed === 1 ? "" : "s"} failed the check`);
  return failed > 0 ? EXIT.invalid : EXIT.ok;
}

async function checkBot(ctx: CliContext, bot: BotConfig): Promise<{ ok: boolean; lines: string[] }> {
  const label = `${bot.id} (${bot.title})${bot.enabled ? "" : " [disabled]"}`;
  const proxy = bot.proxy ? ctx.platform.proxyFetchOptions(bot.proxy) : undefined;
  const api = createTelegramApi(createGramioBot({ token: bot.token, apiUrl: bot.apiUrl, proxy }), { clock: ctx.clock, timeoutMs: 10_000 });
  try {
    const me = await api.getMe();
    const lines = [`${label}: OK @${me.username ?? "?"} id ${me.id} "${me.first_name}" via ${redactUrl(bot.apiUrl)}${bot.proxy ? " (proxy)" : ""}`];
    // The original product's "check" button also showed the description; optional here.
    const { description } = await api.getMyDescription().catch(() => ({ description: "" }));
    if (description) lines.push(`  description: ${description.replace(/\s+/g, " ").slice(0, 200)}`);
    const webhook = await api.getWebhookInfo();
    if (webhook.url) {
      lines.push(
        `  warning: a webhook is set (${redactUrl(webhook.url)}); polling gets 409 Conflict until it is removed ` +
          `(call deleteWebhook, or remove it where it was set)`,
      );
    }
    if ((webhook.pending_update_count ?? 0) > 0) lines.push(`  ${webhook.pending_update_count} updates waiting to be polled`);
    if (webhook.last_error_message) lines.push(`  webhook's last error: ${webhook.last_error_message}`);
    return { ok: true, lines };
  } catch (error) {
    return { ok: false, lines: [`${label}: FAILED ${errorMessage(error)}`] };
  }
}
