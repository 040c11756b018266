// ntfy's JSON publishing (docs.ntfy.sh "Publish as JSON"): POST / with
// {"topic", "message", "title", "priority", "tags", "click", "markdown", "actions",
//  "delay", "filename", "attach", "email", "call", "icon"}. ntfy turns the JSON into its
// headers (server.go transformBodyJSON), so headers the JSON does not set still count
// (apprise sends the title in the JSON and X-Priority and X-Tags as headers); the JSON
// wins where both are given. Other JSON fields are ignored, as ntfy ignores them.
import { showValue } from "../../lib/schema-messages.ts";
import { httpError } from "../errors.ts";
import { splitNames } from "../notify.ts";
import type { NtfyRequest } from "./ntfy-publish.ts";
import type { NtfyParams } from "./ntfy-params.ts";

/** JSON fields that are strings in ntfy's publishMessage (server/types.go). */
const TEXT_FIELDS = ["title", "click", "delay", "filename", "attach", "email", "call", "icon"] as const;

export function readJsonPublish(fields: Record<string, unknown>, headers: NtfyParams): NtfyRequest {
  const topic = fields.topic;
  if (topic === undefined || topic === null || (typeof topic === "string" && topic.trim() === ""))
    throw httpError("missing_recipient", 'the JSON needs "topic": a user or group from the config (or "a,b" for several)');
  if (typeof topic !== "string") throw httpError("bad_recipient", `topic: expected a user or group name, got ${showValue(topic)}`);
  const params: NtfyParams = { ...headers };
  for (const name of TEXT_FIELDS) {
    const value = fields[name];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" && !(name === "delay" && typeof value === "number")) throw httpError("bad_field", `${name}: expected a string, got ${showValue(value)}`);
    params[name] = String(value).trim();
  }
  setPriority(params, fields.priority);
  setTags(params, fields.tags);
  setMarkdown(params, fields.markdown);
  const request: NtfyRequest = { topic, to: splitNames(topic), params };
  if (fields.message !== undefined && fields.message !== null) {
    if (typeof fields.message !== "string") throw httpError("bad_field", `message: expected a string, got ${showValue(fields.message)}`);
    request.message = fields.message;
  }
  setActions(request, fields.actions);
  return request;
}

/** A number, as ntfy's JSON has it; its names are taken too. 0 means "not given", as in ntfy. */
function setPriority(params: NtfyParams, value: unknown): void {
  if (value === undefined || value === null || value === 0 || value === "") return;
  if (typeof value === "string" || (typeof value === "number" && Number.isInteger(value))) params.priority = String(value);
  else throw httpError("bad_priority", `priority: expected 1–5 or a priority name, got ${showValue(value)}`);
}

function setTags(params: NtfyParams, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "string") params.tags = value;
  else if (Array.isArray(value) && value.every((tag) => typeof tag === "string")) params.tags = value.join(",");
  else throw httpError("bad_field", `tags: expected a list of strings, e.g. ["warning","db1"], got ${showValue(value)}`);
}

function setMarkdown(params: NtfyParams, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "boolean") params.markdown = String(value);
  else if (typeof value === "string") params.markdown = value;
  else throw httpError("bad_field", `markdown: expected true or false, got ${showValue(value)}`);
}

function setActions(request: NtfyRequest, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) request.actions = value;
  else if (typeof value === "string") request.params.actions = value;
  else throw httpError("bad_actions", `Actions: expected a list of actions, got ${showValue(value)}`);
}
