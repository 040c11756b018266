// Worker entry: checks config text off the main thread (off-thread.ts starts it) and
// sends the result back in slices (transfer.ts). Everything here is CPU-bound: parse,
// walk, resolve. The file is read by the main thread, which owns file access.
import { errorMessage } from "../lib/errors.ts";
import { checkConfigText } from "./load.ts";
import { replyParts, type LoadReply, type LoadRequest } from "./transfer.ts";

// The worker's global scope, typed locally: tsc and deno check both see a window scope.
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<LoadRequest>) => void) | null;
  postMessage(message: LoadReply): void;
};

scope.onmessage = ({ data }) => {
  try {
    const text = new TextDecoder().decode(data.bytes);
    for (const part of replyParts(checkConfigText(text, data.file, data.options))) scope.postMessage(part);
  } catch (error) {
    scope.postMessage({ kind: "crashed", message: errorMessage(error) });
  }
};
