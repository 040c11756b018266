import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";

export async function runCheck(_ctx: CliContext, _args: string[]): Promise<number> {
  throw new UsageError("tgsignal check is not available in this build yet");
}
