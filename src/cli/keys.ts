import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";

export async function runKeys(_ctx: CliContext, _args: string[]): Promise<number> {
  throw new UsageError("tgsignal keys is not available in this build yet");
}
