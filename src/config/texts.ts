// Default replies in Russian and English. Every text can be overridden per bot in the
// config (`bots.<id>.texts`), with {placeholders} filled in at send time.

export const TEXT_NAMES = [
  "start",
  "key_issued",
  "key_revoked",
  "no_key",
  "help",
  "access_denied",
  "passphrase_required",
  "stop_refused",
] as const;
export type TextName = (typeof TEXT_NAMES)[number];
export type Language = "ru" | "en";

/** Placeholders every text may use. */
export const TEXT_PLACEHOLDERS = ["key", "name", "bot", "title", "phrase"] as const;
export type TextVars = Partial<Record<(typeof TEXT_PLACEHOLDERS)[number], string>>;

export const DEFAULT_TEXTS: Record<Language, Record<TextName, string>> = {
  ru: {
    start:
      "Здравствуйте, {name}! Это бот уведомлений «{title}».\n" +
      "Чтобы получать уведомления, напишите «{phrase}» или /key — я пришлю ваш ключ. " +
      "Передайте ключ администратору.",
    key_issued: "Ваш ключ: {key}\nПередайте его администратору, чтобы получать уведомления.",
    key_revoked: "Ключ {key} отозван. Уведомления больше не будут приходить. Новый ключ: /key",
    no_key: "У вас нет действующего ключа. Получить ключ: /key",
    help: "Напишите «{phrase}» или /key, чтобы получить ключ для уведомлений; /stop — отказаться от уведомлений.",
    access_denied: "Извините, этот бот выдаёт ключи только сотрудникам. Обратитесь к администратору.",
    passphrase_required: "Для получения ключа отправьте: /key <кодовое слово>. Кодовое слово знает администратор.",
    stop_refused: "Извините, отключить уведомления этой группы может только её администратор или тот, кто запросил ключ.",
  },
  en: {
    start:
      "Hello, {name}! This is the «{title}» notification bot.\n" +
      "To receive notifications, send “{phrase}” or /key and I will reply with your key. " +
      "Give the key to your administrator.",
    key_issued: "Your key: {key}\nGive it to your administrator to receive notifications.",
    key_revoked: "Key {key} is revoked. You will no longer receive notifications. New key: /key",
    no_key: "You have no active key. To get one: /key",
    help: "Send “{phrase}” or /key to get your notification key; /stop to stop notifications.",
    access_denied: "Sorry, this bot gives keys to staff only. Please contact your administrator.",
    passphrase_required: "To get a key, send: /key <passphrase>. Your administrator knows the passphrase.",
    stop_refused: "Sorry, only a group administrator or the person who asked for the key can stop this group's notifications.",
  },
};

/** Fills `{name}` placeholders; unknown ones stay as written so a typo is visible, not silent. */
export function renderText(template: string, vars: TextVars): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = (vars as Record<string, string | undefined>)[name];
    return value ?? whole;
  });
}

/** `auto` picks by the person's Telegram language: Russian for ru/uk/be/kk, English otherwise. */
export function pickLanguage(setting: Language | "auto", languageCode: string | undefined): Language {
  if (setting !== "auto") return setting;
  const code = (languageCode ?? "").toLowerCase().slice(0, 2);
  return ["ru", "uk", "be", "kk"].includes(code) ? "ru" : "en";
}
