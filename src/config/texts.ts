// Default replies in Russian and English. Every text can be overridden per bot in the
// config (`bots.<id>.texts`), with {placeholders} filled in at send time.
// `received` is empty by default: a message that became an event is acknowledged with a
// reaction then; set it to answer with a text instead.

export const TEXT_NAMES = [
  "start",
  "key_issued",
  "key_revoked",
  "no_key",
  "help",
  "access_denied",
  "passphrase_required",
  "stop_refused",
  "not_connected",
  "not_connected_key",
  "received",
  "button_pressed",
  "button_expired",
  "button_chosen",
  "menu_key",
  "menu_stop",
  "menu_help",
] as const;
export type TextName = (typeof TEXT_NAMES)[number];
export type Language = "ru" | "en";

/** Placeholders every text may use. */
export const TEXT_PLACEHOLDERS = ["key", "name", "bot", "title", "phrase", "button"] as const;
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
    not_connected:
      "Сообщение не передано: вы ещё не подключены к уведомлениям. Напишите «{phrase}» или /key и передайте ключ администратору.",
    not_connected_key: "Сообщение не передано: ваш ключ {key} ещё не подключён. Передайте его администратору.",
    received: "",
    button_pressed: "Принято: {button}",
    button_expired: "Эта кнопка больше не действует.",
    button_chosen: "✅ {button}",
    menu_key: "Получить ключ для уведомлений",
    menu_stop: "Отказаться от уведомлений",
    menu_help: "Помощь",
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
    not_connected: "Your message was not passed on: you are not connected yet. Send “{phrase}” or /key and give the key to your administrator.",
    not_connected_key: "Your message was not passed on: your key {key} is not connected yet. Give it to your administrator.",
    received: "",
    button_pressed: "Got it: {button}",
    button_expired: "This button no longer works.",
    button_chosen: "✅ {button}",
    menu_key: "Get your notification key",
    menu_stop: "Stop notifications",
    menu_help: "Help",
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
