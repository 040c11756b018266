// Recipient names are paths too (ntfy's POST /{name}): a user or group named like a route
// is a config error with its position; clients.<id>.to names only users and groups.
import { describe, expect, test } from "bun:test";
import { ROUTE_NAMES } from "../../src/config/route-names.ts";
import { CLIENT_TOKEN, issues, load, yaml } from "./helpers.ts";

describe("names that are routes", () => {
  test("a user or group named like a route is refused where it is written", () => {
    expect(
      issues(yaml`
        users:
          healthz: 48213977
          ivanov: 51928374
        groups:
          notify: [ivanov]
          Events: [ivanov]
      `),
    ).toEqual([
      'c.yaml:2:3 users: name "healthz" is a path of the gateway (/healthz), so ntfy-style publishing to /healthz could not reach it; rename it (e.g. "healthz-team")',
      'c.yaml:5:3 groups: name "notify" is a path of the gateway (/notify), so ntfy-style publishing to /notify could not reach it; rename it (e.g. "notify-team")',
      'c.yaml:6:3 groups: name "Events" is a path of the gateway (/events), so ntfy-style publishing to /Events could not reach it; rename it (e.g. "Events-team")',
    ]);
  });

  test("every path the gateway serves or keeps is in the list", () => {
    const served = ["notify", "messages", "events", "healthz", "metrics", "openapi.json", "message", "keys", "reload", "v1"];
    expect(ROUTE_NAMES).toEqual(expect.arrayContaining(served));
    for (const name of ROUTE_NAMES) expect(issues(`users:\n  "${name}": 48213977\n`)[0]).toContain(`is a path of the gateway (/${name})`);
  });

  test("names that only contain a route's name are fine", () => {
    const config = load(yaml`
      users:
        notify-team: 48213977
        events2: 51928374
      groups:
        healthz-ops: [notify-team]
    `);
    expect([...config.users.keys(), ...config.groups.keys()]).toEqual(["notify-team", "events2", "healthz-ops"]);
  });
});

describe("clients.<id>.to", () => {
  test("names users and groups its Gotify messages go to", () => {
    const config = load(yaml`
      clients:
        proxmox: { token: ${CLIENT_TOKEN}, to: [ops, petrov] }
        erp: { token: ${CLIENT_TOKEN}x }
      users:
        ivanov: 48213977
        petrov: 51928374
      groups:
        ops: [ivanov]
    `);
    expect(config.clients.get("proxmox")!.to).toEqual(["ops", "petrov"]);
    expect(config.clients.get("erp")!.to).toBeNull();
  });

  test("an unknown name is an error with did-you-mean and its position", () => {
    expect(
      issues(yaml`
        clients:
          proxmox: { token: ${CLIENT_TOKEN}, to: [opps] }
        users:
          ivanov: 48213977
        groups:
          ops: [ivanov]
      `),
    ).toEqual(['c.yaml:2:54 clients.proxmox.to: unknown user or group "opps"; did you mean "ops"?']);
  });

  test("it must be a list of names", () => {
    expect(issues(`clients:\n  p: { token: ${CLIENT_TOKEN}, to: ops }\n`)[0]).toStartWith("c.yaml:2:");
  });
});
