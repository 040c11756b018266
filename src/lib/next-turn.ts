// A turn of the event loop for everything else that waits (requests, timers, I/O), taken
// inside long work on request input (a megabyte of markdown, of multipart parts, of
// webhook JSON) so no input holds the loop for long. node:timers works on Bun and Deno.
import { setImmediate } from "node:timers";

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
