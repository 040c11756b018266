import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { BOT_TOKEN, CLIENT_TOKEN, load, yaml } from "./helpers.ts";

const VALID = yaml`
  listen: 127.0.0.1:8787
  data_dir: ./state
  clients:
    erp:
      token: ${CLIENT_TOKEN}
      allow: [ops]
  bots:
    main:
      title: Основной
      token: "${BOT_TOKEN}"
      language: ru
      texts:
        key_issued: "Ваш ключ: {key}"
  users:
    ivanov: 48213977
    petrov: [51928374, "60011223"]
  groups:
    ops: [ivanov, petrov]
`;

describe("valid config", () => {
  test("resolves defaults into a frozen config", () => {
    const config = load(VALID);
    expect(config.listen).toEqual({ hostname: "127.0.0.1", port: 8787 });
    expect(config.bodyLimit).toBe(1024 * 1024);
    expect(config.uploadLimit).toBe(50 * 1024 * 1024);
    const bot = config.bots.get("main")!;
    expect(bot).toMatchObject({ title: "Основной", enabled: true, poll: "* * * * *", language: "ru", apiUrl: "https://api.telegram.org" });
    expect(bot.keyPhrases).toEqual(["мой ключ", "ключ", "my key", "key"]);
    expect(config.users.get("petrov")!.keys).toEqual(["51928374", "60011223"]);
    expect(config.groups.get("ops")!.users).toEqual(["ivanov", "petrov"]);
    expect(config.keyOwners.get("60011223")).toBe("petrov");
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(bot)).toBe(true);
  });

  test("data_dir is resolved against the config file's directory, not the working directory", () => {
    const config = load(VALID);
    expect(config.dataDir).toBe(resolve("state"));
    const nested = parseConfig(VALID, "/etc/tgsignal/config.yaml", { env: {} });
    expect(nested.dataDir).toBe("/etc/tgsignal/state");
  });

  test("a key as YAML number and as string read the same", () => {
    const config = load(yaml`
      users:
        a: 48213977
        b: "51928374"
    `);
    expect(config.users.get("a")!.keys).toEqual(["48213977"]);
    expect(config.users.get("b")!.keys).toEqual(["51928374"]);
  });

  test("a number where a string belongs keeps its written form", () => {
    // A YAML number loses leading zeros, trailing zeros and digits past 2^53: an all-digit
    // client token or passphrase must not silently become another string.
    const config = load(yaml`
      clients:
        erp:
          token: 12345678901234567890
      bots:
        main:
          token: "${BOT_TOKEN}"
          title: 1.10
          access: { passphrase: 0123 }
    `);
    expect(config.clients.get("erp")!.token).toBe("12345678901234567890");
    const bot = config.bots.get("main")!;
    expect(bot.title).toBe("1.10");
    expect(bot.access).toMatchObject({ passphrase: "0123" });
  });

  test("an empty file is a valid (empty) config", () => {
    expect(load("").bots.size).toBe(0);
    expect(load("# nothing yet\n").users.size).toBe(0);
  });

  test("empty sections are allowed", () => {
    const config = load("clients:\nbots:\nusers:\ngroups:\n");
    expect(config.clients.size + config.bots.size + config.users.size + config.groups.size).toBe(0);
  });

  test("listen forms", () => {
    expect(load("listen: ':9000'").listen).toEqual({ hostname: "0.0.0.0", port: 9000 });
    expect(load("listen: '[::1]:9000'").listen).toEqual({ hostname: "::1", port: 9000 });
    expect(load("listen: 9000").listen).toEqual({ hostname: "127.0.0.1", port: 9000 });
    expect(load("listen: localhost:0").listen).toEqual({ hostname: "localhost", port: 0 });
  });

  test("body_limit accepts sizes with units", () => {
    expect(load("body_limit: 512KiB").bodyLimit).toBe(512 * 1024);
    expect(load("body_limit: 2MB").bodyLimit).toBe(2_000_000);
    expect(load("body_limit: 4096").bodyLimit).toBe(4096);
  });

  test("upload_limit accepts sizes with units, up to a self-hosted Bot API server's 2000MiB", () => {
    expect(load("upload_limit: 20MiB").uploadLimit).toBe(20 * 1024 * 1024);
    expect(load("upload_limit: 2000MiB").uploadLimit).toBe(2000 * 1024 * 1024);
    expect(load("upload_limit: 65536").uploadLimit).toBe(65536);
  });

  test("access modes resolve", () => {
    const config = load(yaml`
      bots:
        open: { token: "${BOT_TOKEN}" }
        staff:
          token: "1:abc"
          access: { allow: [12345, "@Ivan"], passphrase: secret }
    `);
    expect(config.bots.get("open")!.access).toEqual({ mode: "open" });
    expect(config.bots.get("staff")!.access).toEqual({ mode: "restricted", userIds: [12345], usernames: ["ivan"], passphrase: "secret" });
  });

  test("groups may include groups", () => {
    const config = load(yaml`
      users: { a: 11111111, b: 22222222, c: 33333333 }
      groups:
        ab: [a, b]
        all: [ab, c, a]
    `);
    expect(config.groups.get("all")!.users).toEqual(["a", "b", "c"]);
  });
});
