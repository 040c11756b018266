import type { BotCommand } from "./types.ts";

/** Command lists by scope and language. */
export class CommandMenus {
  private readonly lists = new Map<string, BotCommand[]>();

  get(scope: string, languageCode: string): BotCommand[] {
    return (this.lists.get(menuKey(scope, languageCode)) ?? []).map((command) => ({ ...command }));
  }

  set(scope: string, languageCode: string, commands: BotCommand[]): void {
    this.lists.set(menuKey(scope, languageCode), commands);
  }

  delete(scope: string, languageCode: string): void {
    this.lists.delete(menuKey(scope, languageCode));
  }
}

function menuKey(scope: string, languageCode: string): string {
  return `${scope}\n${languageCode}`;
}
