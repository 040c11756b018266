import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";

export async function runSend(_ctx: CliContext, _args: string[]): Promise<number> {
  throw new UsageError("tgsignal send is not available in this build yet");
}
