// `${VAR}` and `${VAR:-default}` are replaced from the environment, so secrets stay out
// of the file. `$${` writes a literal `${`.

const REFERENCE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: string;
  /** Variables referenced without a default and absent from the environment. */
  missing: string[];
  /** Values that came from the environment (candidates for redaction). */
  substituted: string[];
}

export function interpolateEnv(text: string, env: Readonly<Record<string, string | undefined>>): Interpolated {
  const missing: string[] = [];
  const substituted: string[] = [];
  const value = text.replace(REFERENCE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1);
    const found = env[name];
    if (found !== undefined && found !== "") {
      substituted.push(found);
      return found;
    }
    if (fallback !== undefined) return fallback;
    if (found === "") return "";
    missing.push(name);
    return "";
  });
  return { value, missing, substituted };
}

export function hasEnvReference(text: string): boolean {
  return text.includes("${");
}
