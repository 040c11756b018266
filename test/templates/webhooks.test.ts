import { describe, expect, test } from "bun:test";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";
import { renderTemplate } from "../../src/templates/webhooks.ts";

const alertmanager = {
  version: "4",
  status: "firing",
  receiver: "ops-telegram",
  groupLabels: { alertname: "DiskFull" },
  commonLabels: { alertname: "DiskFull", severity: "critical" },
  commonAnnotations: {},
  externalURL: "http://am:9093",
  alerts: [
    {
      status: "firing",
      labels: { alertname: "DiskFull", instance: "db1:9100", severity: "critical" },
      annotations: { summary: "Disk 91% <full> on db1", description: "/var & /srv" },
      startsAt: "2026-11-25T10:00:00Z",
      generatorURL: "http://prom:9090/graph?g0.expr=x&g0.tab=1",
    },
    { status: "resolved", labels: { alertname: "DiskFull", instance: "db2:9100" }, annotations: {} },
  ],
};

describe("webhook templates", () => {
  test("alertmanager: status, each alert, labels; valid Telegram HTML with values escaped", () => {
    const { text, format } = renderTemplate("alertmanager", alertmanager);
    expect(format).toBe("html");
    const parsed = parseHtmlEntities(text); // throws on markup Telegram would reject
    expect(parsed.text).toContain("FIRING (1 firing): DiskFull");
    expect(parsed.text).toContain("Disk 91% <full> on db1");
    expect(parsed.text).toContain("/var & /srv");
    expect(parsed.text).toContain("instance=db1:9100 severity=critical");
    expect(parsed.text).toContain("✅ DiskFull");
    expect(text).toContain('href="http://prom:9090/graph?g0.expr=x&amp;g0.tab=1"');
  });

  test("grafana: title, value and dashboard link", () => {
    const { text } = renderTemplate("grafana", {
      status: "firing",
      title: "[FIRING:1] High CPU",
      alerts: [{ status: "firing", labels: { alertname: "HighCPU" }, annotations: {}, valueString: "[ var='A' value=97 ]", dashboardURL: "http://g/d/1" }],
    });
    const parsed = parseHtmlEntities(text);
    expect(parsed.text).toStartWith("🔥 [FIRING:1] High CPU");
    expect(parsed.text).toContain("[ var='A' value=97 ]");
    expect(text).toContain('<a href="http://g/d/1">dashboard</a>');
  });

  test("a body that is not a webhook payload is rejected with a reason naming the value", () => {
    expect(() => renderTemplate("alertmanager", { text: "hi" })).toThrow('the body is not what alertmanager sends: alerts: expected an "alerts" list, got nothing');
    expect(() => renderTemplate("grafana", "hi")).toThrow("the body is not what grafana sends: the body: expected a JSON object");
    const numeric = { alerts: [{ labels: { alertname: "DiskFull", instance: 5 } }] };
    expect(() => renderTemplate("alertmanager", numeric)).toThrow("alerts.0.labels.instance: expected a string, got 5");
  });

  test("long alert lists are cut with a count", () => {
    const many = { status: "firing", alerts: Array.from({ length: 25 }, (_, i) => ({ status: "firing", labels: { alertname: `A${i}` } })) };
    expect(renderTemplate("alertmanager", many).text).toContain("… and 5 more");
  });

  test("only the alerts shown are checked and read; all are counted, firing ones too", () => {
    // A megabyte of alerts: past the 20 shown, even ones that are not objects are only counted.
    const alerts = [...Array.from({ length: 20 }, () => ({ status: "resolved", labels: { alertname: "Ok" } })), ...Array.from({ length: 300_000 }, (_, i) => (i % 2 ? {} : { status: "resolved" })), 5];
    const text = renderTemplate("alertmanager", { status: "firing", alerts }).text;
    expect(text).toContain("FIRING</b> (150001 firing)");
    expect(text).toContain("… and 300001 more");
    expect(() => renderTemplate("alertmanager", { alerts: [...alerts.slice(0, 19), { labels: { a: 5 } }, ...alerts.slice(20)] })).toThrow("alerts.19.labels.a: expected a string, got 5");
  });

  test("an alert shows at most 30 labels, then how many more; more than 1000 labels or annotations is no alert", () => {
    const entries = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, "v"]));
    const text = renderTemplate("alertmanager", { alerts: [{ labels: entries(1000) }] }).text;
    expect(text).toContain("k29=<code>v</code> … 970 more");
    expect(text).not.toContain("k30=");
    expect(() => renderTemplate("alertmanager", { alerts: [{}, { labels: entries(77_000) }] })).toThrow("the body is not what alertmanager sends: alerts.1.labels: more than 1000 entries");
    expect(() => renderTemplate("grafana", { alerts: [{ annotations: entries(1001) }] })).toThrow("alerts.0.annotations: more than 1000 entries");
  });
});
