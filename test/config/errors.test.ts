// Every kind of config error the docs promise to catch, each with its file:line:col.
import { describe, expect, test } from "bun:test";
import { redactor } from "../../src/lib/redact.ts";
import { BOT_TOKEN, CLIENT_TOKEN, issues, load, yaml } from "./helpers.ts";

describe("YAML level", () => {
  test("syntax error", () => {
    const found = issues("bots:\n  x: [1\n");
    expect(found).toHaveLength(1);
    expect(found[0]).toStartWith("c.yaml:3:1 YAML syntax error:");
  });

  test("duplicate keys are reported, and the rest is still checked", () => {
    expect(
      issues(yaml`
        listen: 1.2.3.4:80
        listen: 1.2.3.4:81
        bogus: 1
      `),
    ).toEqual([
      'c.yaml:2:1 duplicate key "listen": it already appears at line 1; keep one',
      'c.yaml:3:1 unknown key "bogus" in config',
    ]);
  });

  test("tabs and other YAML errors carry positions", () => {
    expect(issues("users:\n\tivanov: 48213977\n")[0]).toMatch(/^c\.yaml:2:1 YAML syntax error/);
  });
});

describe("schema level", () => {
  test("unknown keys, with did-you-mean for near misses", () => {
    expect(
      issues(yaml`
        bots:
          main:
            token: "${BOT_TOKEN}"
            pol: "* * * * *"
            colour: red
        userz: {}
      `),
    ).toEqual([
      'c.yaml:4:5 unknown key "pol" in bots.main; did you mean "poll"?',
      'c.yaml:5:5 unknown key "colour" in bots.main',
      'c.yaml:6:1 unknown key "userz" in config; did you mean "users"?',
    ]);
  });

  test("wrong types", () => {
    expect(
      issues(yaml`
        bots:
          main:
            token: "${BOT_TOKEN}"
            enabled: "yes"
            key_phrases: мой ключ
        groups:
          ops: ivanov
        users: [a, b]
      `),
    ).toEqual([
      'c.yaml:4:14 bots.main.enabled: expected true or false, got "yes"',
      'c.yaml:5:18 bots.main.key_phrases: expected a list ([a, b] or "- a" lines), got "мой ключ"',
      'c.yaml:7:8 groups.ops: expected a list ([a, b] or "- a" lines), got "ivanov"',
      "c.yaml:8:8 users: expected a mapping of names, got a list",
    ]);
  });

  test("enumerations name the allowed values", () => {
    expect(issues(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    language: ry\n`)).toEqual([
      'c.yaml:4:15 bots.main.language: must be one of ru, en, auto; got "ry"; did you mean "ru"?',
    ]);
  });

  test("missing required keys", () => {
    expect(issues("bots:\n  main:\n    title: x\n")).toEqual(['c.yaml:3:5 bots.main: missing required key "token"']);
  });

  test("out-of-range values", () => {
    expect(
      issues(yaml`
        users: { a: 11111111 }
        clients:
          erp:
            token: ${CLIENT_TOKEN}
            rate_limit: { per_second: 0, burst: 0 }
        body_limit: 1GiB
        listen: 127.0.0.1:70000
        upload_limit: 3GiB
      `),
    ).toEqual([
      "c.yaml:5:31 clients.erp.rate_limit.per_second: must be greater than 0, got 0",
      "c.yaml:5:41 clients.erp.rate_limit.burst: must be at least 1, got 0",
      'c.yaml:6:13 body_limit: "1GiB" is not a size between 1 byte and 64MiB; e.g. 1MiB, 512KiB or 1048576',
      'c.yaml:7:9 listen: cannot parse "127.0.0.1:70000"; write host:port, e.g. 127.0.0.1:8787 or :8787',
      'c.yaml:8:15 upload_limit: "3GiB" is not a size between 1 byte and 2000MiB; e.g. 50MiB (Telegram\'s limit), or up to 2000MiB with a self-hosted Bot API server',
    ]);
  });
});

describe("environment variables", () => {
  test("a missing variable without a default is named", () => {
    expect(issues(`bots:\n  main:\n    token: \${TELEGRAM_BOT_TOKEN}\n`)).toEqual([
      "c.yaml:3:12 bots.main.token: environment variable TELEGRAM_BOT_TOKEN is not set; export it, or give a default: ${TELEGRAM_BOT_TOKEN:-value}",
    ]);
  });

  test("an unquoted ${VAR} inside [ ] or { } is a YAML error that says to quote it", () => {
    // `{` and `}` end a plain scalar in flow collections: YAML itself rejects `{ passphrase: ${P} }`.
    const hinted = (text: string) =>
      issues(text).filter((line) => line.includes('must be quoted: "${VAR}"')).map((line) => line.split(" ")[0]);
    expect(hinted(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    access: { passphrase: \${P} }\n`)).toEqual(["c.yaml:4:28"]);
    expect(hinted(`users:\n  a: [\${K}, 48213977]\n`)).toEqual(["c.yaml:2:8"]);
    // The documented way works.
    const config = load(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    access: { passphrase: "\${P}" }\n`, { P: "open sesame" });
    expect(config.bots.get("main")!.access).toMatchObject({ passphrase: "open sesame" });
  });

  test("substituted values are type-checked like literals", () => {
    expect(issues(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    enabled: \${ON}\n`, { ON: "maybe" })).toEqual([
      'c.yaml:4:14 bots.main.enabled: expected true or false, got "maybe"',
    ]);
  });
});

describe("semantic checks", () => {
  test("invalid cron pattern (croner's reason, with examples)", () => {
    const [line] = issues(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    poll: "*/0 * * * * * * *"\n`);
    expect(line).toStartWith('c.yaml:4:11 bots.main.poll: invalid cron pattern "*/0 * * * * * * *":');
    expect(line).toContain('"* 8-20 * * 1-5"');
  });

  test("unknown time zone", () => {
    expect(issues(`bots:\n  main:\n    token: "${BOT_TOKEN}"\n    timezone: Mars/Olympus\n`)).toEqual([
      'c.yaml:4:15 bots.main.timezone: unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Moscow',
    ]);
  });

  test("user/group name clash and all-digit names", () => {
    expect(
      issues(yaml`
        users:
          ops: 11111111
          "12345": 22222222
        groups:
          ops: [ops]
          "777": [ops]
      `),
    ).toEqual([
      'c.yaml:3:3 users: name "12345" is all digits; names must contain a letter (digits alone look like keys)',
      'c.yaml:5:3 groups.ops: "ops" is also a user; users and groups share one namespace',
      'c.yaml:6:3 groups: name "777" is all digits; names must contain a letter (digits alone look like keys)',
    ]);
  });

  test("unknown group member, with did-you-mean", () => {
    expect(issues("users:\n  petrov: 11111111\ngroups:\n  ops: [petrof]\n")).toEqual([
      'c.yaml:4:9 groups.ops: unknown member "petrof"; did you mean "petrov"?',
    ]);
  });

  test("an invalid user or group is reported once, not again as unknown wherever it is named", () => {
    expect(
      issues(yaml`
        users:
          ivanov: { key: 48213977 }
          petrov: 51928374
        groups:
          ops: petrov
          all: [ivanov, ops]
        clients:
          erp: { token: "${CLIENT_TOKEN}", allow: [ivanov, ops] }
      `),
    ).toEqual([
      "c.yaml:2:11 users.ivanov: expected a key or a list of keys, got a mapping",
      'c.yaml:5:8 groups.ops: expected a list ([a, b] or "- a" lines), got "petrov"',
    ]);
  });

  test("a cycle of groups", () => {
    expect(issues("users:\n  a: 11111111\ngroups:\n  x: [a, y]\n  y: [x]\n")).toEqual([
      "c.yaml:4:3 groups.x: groups include each other in a cycle: x → y → x",
      "c.yaml:5:3 groups.y: groups include each other in a cycle: y → x → y",
    ]);
  });

  test("keys that are not 8 digits, or start with 0, or are shared", () => {
    expect(
      issues(yaml`
        users:
          a: 1234567
          b: [12345678, "01234567", abcdefgh]
          c: 12345678
      `),
    ).toEqual([
      'c.yaml:2:6 users.a: key "1234567" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
      'c.yaml:3:17 users.b: key "01234567" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
      'c.yaml:3:29 users.b: key "abcdefgh" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
      "c.yaml:4:6 users.c: key 12345678 is already assigned to b; a key belongs to one person",
    ]);
  });

  test("a key written as another YAML number is read as written, not as its value", () => {
    // 048213977, 4.8213977e7 and 0x2DFA5F9 are all 48213977 to YAML; as keys they are typos.
    expect(
      issues(yaml`
        users:
          a: 048213977
          b: [4.8213977e7, 0x2DFA5F9]
      `),
    ).toEqual([
      'c.yaml:2:6 users.a: key "048213977" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
      'c.yaml:3:7 users.b: key "4.8213977e7" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
      'c.yaml:3:20 users.b: key "0x2DFA5F9" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)',
    ]);
  });

  test("client token too short, duplicate, unknown allow entry", () => {
    expect(
      issues(yaml`
        users: { ivanov: 11111111 }
        clients:
          a: { token: short }
          b: { token: ${CLIENT_TOKEN}, allow: [ivanof] }
          c: { token: ${CLIENT_TOKEN} }
      `),
    ).toEqual([
      "c.yaml:3:15 clients.a.token: too short (5 characters); use at least 16, e.g. from `openssl rand -hex 24`",
      'c.yaml:4:51 clients.b.allow: unknown user or group "ivanof"; did you mean "ivanov"?',
      "c.yaml:5:15 clients.c.token: the same token as clients.b; each client needs its own",
    ]);
  });

  test("two-way settings: retention, webhooks, commands", () => {
    expect(
      issues(yaml`
        events_retention: 2w
        clients:
          a: { token: ${CLIENT_TOKEN}, webhook: { url: "ftp://u:pw@x", secret: short } }
          b: { token: b${CLIENT_TOKEN}, receive: false, webhook: { url: "https://x", secret: ${CLIENT_TOKEN} } }
        bots:
          main:
            token: "${BOT_TOKEN}"
            commands: { Tasks: "x", key: "mine", ok_1: "fine" }
      `),
    ).toEqual([
      'c.yaml:1:19 events_retention: "2w" is not a duration up to 365d; write a number with s, m, h or d, e.g. 7d or 36h',
      'c.yaml:3:59 clients.a.webhook.url: "ftp://***@x" is not an http(s) URL; e.g. https://erp.local/hs/tgsignal/events',
      "c.yaml:3:83 clients.a.webhook.secret: too short (5 characters); use at least 16, e.g. from `openssl rand -hex 24`",
      "c.yaml:4:60 clients.b: a webhook delivers events, so it needs receive: true (or leave receive out)",
      'c.yaml:8:17 bots.main.commands: "Tasks" is not a Telegram command; use 1 to 32 lower-case latin letters, digits and _, e.g. tasks',
      "c.yaml:8:29 bots.main.commands: /key is built in (/start, /key, /stop, /help); choose another name",
    ]);
  });

  test("two-way settings resolve: receive implied by a webhook, commands in order, retention in ms", () => {
    const config = load(yaml`
      events_retention: 36h
      clients:
        a: { token: ${CLIENT_TOKEN}, webhook: { url: "https://erp.local/hook", secret: ${CLIENT_TOKEN} } }
        b: { token: b${CLIENT_TOKEN} }
      bots:
        main: { token: "${BOT_TOKEN}", commands: { tasks: "Мои задачи", "/report": "Отчёт" } }
    `);
    expect(config.eventsRetentionMs).toBe(36 * 3_600_000);
    expect(config.clients.get("a")).toMatchObject({ receive: true, webhook: { url: "https://erp.local/hook" } });
    expect(config.clients.get("b")).toMatchObject({ receive: false, webhook: null, admin: false });
    expect(config.bots.get("main")!.commands).toEqual([
      { command: "tasks", description: "Мои задачи" },
      { command: "report", description: "Отчёт" },
    ]);
  });

  test("admin: a boolean, false unless set; anything else is an error at its position", () => {
    const config = load(yaml`
      clients:
        ops: { token: ${CLIENT_TOKEN}, admin: true }
        erp: { token: b${CLIENT_TOKEN}, admin: false }
        ci: { token: c${CLIENT_TOKEN} }
    `);
    expect([...config.clients.values()].map((client) => [client.id, client.admin])).toEqual([["ops", true], ["erp", false], ["ci", false]]);
    const found = issues(yaml`
      clients:
        ops: { token: ${CLIENT_TOKEN}, admin: "yes" }
        erp: { token: b${CLIENT_TOKEN}, admn: true }
    `);
    expect(found).toEqual([
      'c.yaml:2:52 clients.ops.admin: expected true or false, got "yes"',
      'c.yaml:3:46 unknown key "admn" in clients.erp; did you mean "admin"?',
    ]);
  });

  test("bot token shape, URLs, placeholders", () => {
    expect(
      issues(yaml`
        bots:
          main:
            token: not-a-token
            api_url: ftp://x
            proxy: "::"
            texts:
              key_issued: "Key {kee}"
      `),
    ).toEqual([
      "c.yaml:3:12 bots.main.token: does not look like a bot token (123456789:AA...); copy it from @BotFather",
      'c.yaml:4:14 bots.main.api_url: "ftp://x" is not an http(s) URL; e.g. https://api.telegram.org',
      'c.yaml:5:12 bots.main.proxy: "::" is not an http(s) URL; e.g. http://proxy.local:3128',
      'c.yaml:7:19 bots.main.texts.key_issued: unknown placeholder {kee}; available: {key} {name} {bot} {title} {phrase} {button}; did you mean "key"?',
    ]);
  });

  test("two bots with the same token", () => {
    expect(issues(`bots:\n  a: { token: "${BOT_TOKEN}" }\n  b: { token: "${BOT_TOKEN}" }\n`)).toEqual([
      "c.yaml:3:15 bots.b.token: the same token as bots.a; two entries would poll one bot and conflict",
    ]);
  });

  test("every error is reported at once, in file order", () => {
    const found = issues(yaml`
      listen: nowhere
      bots:
        main: { token: bad, poll: "x" }
      users:
        "1": 1
    `);
    expect(found.length).toBe(5);
    expect(found.map((line) => line.split(" ")[0])).toEqual(["c.yaml:1:9", "c.yaml:3:18", "c.yaml:3:29", "c.yaml:5:3", "c.yaml:5:8"]);
  });

  test("an empty group is a warning, not an error", () => {
    const config = load("users: { a: 11111111 }\ngroups:\n  empty: []\n");
    expect(config.warnings.map((w) => `${w.line}:${w.col} ${w.message}`)).toEqual([
      "3:10 groups.empty is empty; notifications to it will be rejected",
    ]);
  });
});

describe("secrets", () => {
  test("tokens never appear in error messages", () => {
    const found = issues(`bots:\n  main:\n    token: \${T}\n    enabled: 3\n`, { T: BOT_TOKEN }).join("\n");
    expect(found).not.toContain(BOT_TOKEN);
  });
});

describe("secrets from the environment", () => {
  test("values substituted into secret fields are masked, other values stay readable", () => {
    load(`data_dir: \${STATE}\nbots:\n  main: { token: "${BOT_TOKEN}", access: { passphrase: "\${PASS}" } }\n`, {
      STATE: "/var/lib/tgsignal-state",
      PASS: "tulip-passphrase-42",
    });
    expect(redactor.redact("data_dir=/var/lib/tgsignal-state")).toBe("data_dir=/var/lib/tgsignal-state");
    expect(redactor.redact("phrase tulip-passphrase-42")).toBe("phrase ***");
  });
});
