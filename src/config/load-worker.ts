// Worker entry: checks config text off the main thread (off-thread.ts starts it) and
// sends the result back in slices (transfer.ts), one each time the main thread asks.
// Everything here is CPU-bound: parse, walk, resolve. The file is read by the main
// thread, which owns file access.
import { errorMessage } from "../lib/errors.ts";
import { checkConfigText } from "./load.ts";
import { replyParts, type LoadReply, type ToWorker } from "./transfer.ts";

// The worker's global scope, typed locally: tsc and deno check both see a window scope.
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: LoadReply): void;
};

let parts: Iterator<LoadReply> | undefined;

scope.onmessage = ({ data }) => {
  try {
    if (data.kind === "load") {
      const { bytes, file, options } = data.request;
      parts = replyParts(checkConfigText(new TextDecoder().decode(bytes), file, options));
    }
    const next = parts?.next();
    if (!next || next.done) return;
    if (next.value.kind === "done") parts = undefined;
    scope.postMessage(next.value);
  } catch (error) {
    parts = undefined;
    scope.postMessage({ kind: "crashed", message: errorMessage(error) });
  }
};
