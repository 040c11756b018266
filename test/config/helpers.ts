import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { ConfigError, formatIssue } from "../../src/lib/errors.ts";

export const BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
export const CLIENT_TOKEN = "0123456789abcdef0123456789";

/** Parses YAML text as the file "c.yaml" (in the working directory). */
export function load(text: string, env: Record<string, string> = {}): Config {
  return parseConfig(text, "c.yaml", { env, displayName: "c.yaml" });
}

/** The formatted issues a broken config produces (throws if it is valid). */
export function issues(text: string, env: Record<string, string> = {}): string[] {
  try {
    load(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error("expected the config to be rejected");
}

/** Dedents a template so YAML in tests can be indented with the code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ""), "");
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join("\n");
}
