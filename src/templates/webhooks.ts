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

/** Renders a webhook payload; throws a plain Error with a reason when it is not one. */
export function renderTemplate(name: TemplateName, payload: unknown): RenderedTemplate {
  if (!Value.Check(PayloadSchema, payload)) {
    const error = Value.Errors(PayloadSchema, payload).First();
    const where = error?.path.slice(1).replaceAll("/", ".") || "the body";
    throw new Error(`the body is not what ${name} sends: ${where}: ${error && where !== "the body" ? describeError(error) : "expected a JSON object"}`);
  }
  return { text: name === "grafana" ? renderGrafana(payload) : renderAlertmanager(payload), format: "html" };
}

function statusIcon(status: string | undefined): string {
  return status === "resolved" ? "✅" : "🔥";
}

function renderAlertmanager(payload: WebhookPayload): string {
  const alerts = payload.alerts ?? [];
  const firing = alerts.filter((alert) => alert.status !== "resolved").length;
  const name = payload.groupLabels?.alertname ?? payload.commonLabels?.alertname ?? "alert";
  const head = `${statusIcon(payload.status)} <b>${escapeAttribute((payload.status ?? "firing").toUpperCase())}</b>` +
    `${firing ? ` (${firing} firing)` : ""}: <b>${escapeAttribute(name)}</b>`;
  return [head, ...alerts.slice(0, MAX_ALERTS).map(renderAlert), more(alerts.length)].filter(Boolean).join("\n\n");
}

function renderGrafana(payload: WebhookPayload): string {
  const alerts = payload.alerts ?? [];
  const head = `${statusIcon(payload.status)} <b>${escapeAttribute(payload.title ?? (payload.status ?? "firing").toUpperCase())}</b>`;
  const body = alerts.slice(0, MAX_ALERTS).map((alert) => {
    const lines = [renderAlert(alert)];
    if (alert.valueString) lines.push(`<i>${escapeAttribute(alert.valueString)}</i>`);
    const link = alert.dashboardURL || alert.panelURL;
    if (link) lines.push(`<a href="${escapeAttribute(link)}">dashboard</a>`);
    return lines.join("\n");
  });
  return [head, ...body, more(alerts.length)].filter(Boolean).join("\n\n");
}

function renderAlert(alert: Alert): string {
  const labels = alert.labels ?? {};
  const notes = alert.annotations ?? {};
  const title = notes.summary ?? notes.title ?? labels.alertname ?? "alert";
  const lines = [`${statusIcon(alert.status)} <b>${escapeAttribute(title)}</b>`];
  if (notes.description) lines.push(escapeAttribute(notes.description));
  const shown = Object.entries(labels).filter(([key]) => key !== "alertname" && !key.startsWith("__"));
  if (shown.length) lines.push(shown.map(([key, value]) => `${escapeAttribute(key)}=<code>${escapeAttribute(value)}</code>`).join(" "));
  if (alert.generatorURL) lines.push(`<a href="${escapeAttribute(alert.generatorURL)}">source</a>`);
  return lines.join("\n");
}

function more(total: number): string {
  return total > MAX_ALERTS ? `… and ${total - MAX_ALERTS} more` : "";
}
