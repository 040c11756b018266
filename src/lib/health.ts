// /healthz: liveness plus the state an operator needs (config reload, per-bot state).
// Components register sections; a section may mark the whole gateway degraded.

export interface HealthSection {
  /** Extra JSON under the section's name. */
  details: unknown;
  /** False marks the gateway "degraded" (still HTTP 200: the process is alive). */
  healthy: boolean;
}

export class HealthRegistry {
  readonly #sections = new Map<string, () => HealthSection>();

  add(name: string, section: () => HealthSection): void {
    this.#sections.set(name, section);
  }

  report(base: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let healthy = true;
    for (const [name, section] of this.#sections) {
      const { details, healthy: ok } = section();
      out[name] = details;
      healthy &&= ok;
    }
    return { status: healthy ? "ok" : "degraded", ...base, ...out };
  }
}
