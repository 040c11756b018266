import type { Platform } from "./platform.ts";

/** Picks the platform for the running runtime. Dynamic imports keep each runtime's file out of the other's way. */
export async function detectPlatform(): Promise<Platform> {
  if ("Bun" in globalThis) return (await import("./bun.ts")).bunPlatform;
  if ("Deno" in globalThis) return (await import("./deno.ts")).denoPlatform;
  throw new Error("tgsignal runs on Bun or Deno");
}
