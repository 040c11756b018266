// The upload gate: one upload per bot and file at a time; the others wait for it and take
// its file_id, or claim the upload themselves when it failed; albums claim several files
// without holding any while they wait, so two albums never wait on each other.
import { describe, expect, test } from "bun:test";
import { UploadGate } from "../../src/delivery/upload-gate.ts";

const none = () => undefined;
const never = new AbortController().signal;

describe("UploadGate", () => {
  test("the first claim uploads; a second waits and then gets the file_id", async () => {
    const gate = new UploadGate();
    const first = await gate.claim("main", ["document:h:a"], none, never);
    expect(first.uploads).toEqual(["document:h:a"]);
    let second: Awaited<ReturnType<UploadGate["claim"]>> | undefined;
    const waiting = gate.claim("main", ["document:h:a"], none, never).then((claim) => (second = claim));
    await Promise.resolve();
    expect(second).toBeUndefined();
    first.settle({ "document:h:a": "BQAC1" });
    await waiting;
    expect(second!.uploads).toEqual([]);
    expect([...second!.known]).toEqual([["document:h:a", "BQAC1"]]);
    expect(gate.lookup("main", "document:h:a")).toBe("BQAC1");
    expect(gate.lookup("other", "document:h:a")).toBeUndefined();
  });

  test("a failed upload lets the next waiter claim it", async () => {
    const gate = new UploadGate();
    const first = await gate.claim("main", ["photo:h"], none, never);
    const waiting = gate.claim("main", ["photo:h"], none, never);
    first.settle();
    expect((await waiting).uploads).toEqual(["photo:h"]);
  });

  test("a file_id the notification kept is used without waiting; forget() makes the next send upload", async () => {
    const gate = new UploadGate();
    const claim = await gate.claim("main", ["photo:h"], () => "AgAC9", never);
    expect([...claim.known]).toEqual([["photo:h", "AgAC9"]]);
    const learned = await gate.claim("main", ["photo:x"], none, never);
    learned.settle({ "photo:x": "AgACx" });
    expect(gate.lookup("main", "photo:x")).toBe("AgACx");
    gate.forget("main", "photo:x");
    expect((await gate.claim("main", ["photo:x"], none, never)).uploads).toEqual(["photo:x"]);
  });

  test("two albums sharing files in opposite order: no deadlock, each file uploaded once", async () => {
    const gate = new UploadGate();
    const a = await gate.claim("main", ["f1", "f2"], none, never);
    const b = gate.claim("main", ["f2", "f1"], none, never);
    a.settle({ f1: "id1", f2: "id2" });
    const claimB = await b;
    expect(claimB.uploads).toEqual([]);
    expect(Object.fromEntries(claimB.known)).toEqual({ f1: "id1", f2: "id2" });
  });

  test("waiting stops when the signal aborts", async () => {
    const gate = new UploadGate();
    await gate.claim("main", ["f"], none, never);
    const stop = new AbortController();
    const waiting = gate.claim("main", ["f"], none, stop.signal);
    stop.abort(new Error("deleted"));
    await expect(waiting).rejects.toThrow("deleted");
  });
});
