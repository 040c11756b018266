// Adapters for monitoring webhooks that post their own JSON: `POST /notify/{to}?template=…`.
// Each turns the payload into Telegram HTML (format "html"), escaping every value, in text
// or in an href, with the attribute escape (quotes too).
// Alertmanager: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
// Grafana: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { escapeAttribute } from "../delivery/html.ts";
import { describeError } from "../lib/schema-messages.ts";

export const TEMPLATE_NAMES = ["alertmanager", "grafana"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface RenderedTemplate {
  text: string;
  format: "html";
}

// The payloads, as far as the rendering reads them (other fields are ignored). Checked
// before rendering, so a wrong value is named instead of failing inside the renderer.
const Texts = Type.Optional(Type.Record(Type.String(), Type.String()));
const Link = Type.Optional(Type.String());
const AlertSchema = Type.Object({
  status: Type.Optional(Type.String()),
  labels: Texts,
  annotations: Texts,
  generatorURL: Link,
  // Grafana only
  valueString: Type.Optional(Type.String()),
  dashboardURL: Link,
  panelURL: Link,
});
const PayloadSchema = Type.Object({
  status: Type.Optional(Type.String()),
  alerts: Type.Array(AlertSchema, { description: 'an "alerts" list' }),
  groupLabels: Texts,
  commonLabels: Texts,
  // Grafana only
  title: Type.Optional(Type.String()),
});
type Alert = Static<typeof AlertSchema>;
type WebhookPayload = Static<typeof PayloadSchema>;

const MAX_ALERTS = 20;
/** Labels shown per alert: Alertmanager's carry a handful; thousands would only make a text refused as too long. */
const MAX_LABELS = 30;
/** Entries in one alert's labels or annotations: far past any real alert's; 77,000 took 25 ms to read and check. */
const MAX_ENTRIES = 1000;

/** How many alerts the payload holds, and how many of them fire (all are counted, the first MAX_ALERTS shown). */
interface Counts {
  total: number;
  firing: number;
}

/**
 * Renders a webhook payload; throws a plain Error with a reason when it is not one. Only
 * the alerts shown are checked and read: a megabyte of `{}` is 340,000 alerts, whose check
 * alone held the event loop for 30 ms; the others are counted.
 */
export function renderTemplate(name: TemplateName, payload: unknown): RenderedTemplate {
  const alerts = typeof payload === "object" && payload !== null && Array.isArray((payload as { alerts?: unknown }).alerts) ? ((payload as { alerts: unknown[] }).alerts) : undefined;
  const shown = alerts && alerts.length > MAX_ALERTS ? { ...(payload as object), alerts: alerts.slice(0, MAX_ALERTS) } : payload;
  const crowded = alerts && firstCrowded(alerts.slice(0, MAX_ALERTS));
  if (crowded) throw new Error(`the body is not what ${name} sends: ${crowded}: more than ${MAX_ENTRIES} entries`);
  if (!Value.Check(PayloadSchema, shown)) {
    const error = Value.Errors(PayloadSchema, shown).First();
    const where = error?.path.slice(1).replaceAll("/", ".") || "the body";
    throw new Error(`the body is not what ${name} sends: ${where}: ${error && where !== "the body" ? describeError(error) : "expected a JSON object"}`);
  }
  const counts = { total: alerts?.length ?? 0, firing: (alerts ?? []).filter(isFiring).length };
  return { text: name === "grafana" ? renderGrafana(shown, counts) : renderAlertmanager(shown, counts), format: "html" };
}

/** Where an alert's labels or annotations hold more than MAX_ENTRIES entries (counted up to one past it). */
function firstCrowded(alerts: unknown[]): string | undefined {
  for (const [index, alert] of alerts.entries()) {
    for (const field of ["labels", "annotations"] as const) {
      const value = typeof alert === "object" && alert !== null ? (alert as Record<string, unknown>)[field] : undefined;
      if (typeof value !== "object" || value === null) continue;
      let count = 0;
      for (const _ in value) if (++count > MAX_ENTRIES) return `alerts.${index}.${field}`;
    }
  }
  return undefined;
}

function isFiring(alert: unknown): boolean {
  return !(typeof alert === "object" && alert !== null && (alert as { status?: unknown }).status === "resolved");
}

function statusIcon(status: string | undefined): string {
  return status === "resolved" ? "✅" : "🔥";
}

function renderAlertmanager(payload: WebhookPayload, { total, firing }: Counts): string {
  const alerts = payload.alerts ?? [];
  const name = payload.groupLabels?.alertname ?? payload.commonLabels?.alertname ?? "alert";
  const head = `${statusIcon(payload.status)} <b>${escapeAttribute((payload.status ?? "firing").toUpperCase())}</b>` +
    `${firing ? ` (${firing} firing)` : ""}: <b>${escapeAttribute(name)}</b>`;
  return [head, ...alerts.map(renderAlert), more(total)].filter(Boolean).join("\n\n");
}

function renderGrafana(payload: WebhookPayload, { total }: Counts): string {
  const alerts = payload.alerts ?? [];
  const head = `${statusIcon(payload.status)} <b>${escapeAttribute(payload.title ?? (payload.status ?? "firing").toUpperCase())}</b>`;
  const body = alerts.map((alert) => {
    const lines = [renderAlert(alert)];
    if (alert.valueString) lines.push(`<i>${escapeAttribute(alert.valueString)}</i>`);
    const link = alert.dashboardURL || alert.panelURL;
    if (link) lines.push(`<a href="${escapeAttribute(link)}">dashboard</a>`);
    return lines.join("\n");
  });
  return [head, ...body, more(total)].filter(Boolean).join("\n\n");
}

function renderAlert(alert: Alert): string {
  const labels = alert.labels ?? {};
  const notes = alert.annotations ?? {};
  const title = notes.summary ?? notes.title ?? labels.alertname ?? "alert";
  const lines = [`${statusIcon(alert.status)} <b>${escapeAttribute(title)}</b>`];
  if (notes.description) lines.push(escapeAttribute(notes.description));
  const shown: string[] = [];
  let hidden = 0;
  for (const key in labels) {
    if (key === "alertname" || key.startsWith("__")) continue;
    if (shown.length < MAX_LABELS) shown.push(`${escapeAttribute(key)}=<code>${escapeAttribute(labels[key]!)}</code>`);
    else hidden++;
  }
  if (hidden > 0) shown.push(`… ${hidden} more`);
  if (shown.length) lines.push(shown.join(" "));
  if (alert.generatorURL) lines.push(`<a href="${escapeAttribute(alert.generatorURL)}">source</a>`);
  return lines.join("\n");
}

function more(total: number): string {
  return total > MAX_ALERTS ? `… and ${total - MAX_ALERTS} more` : "";
}
