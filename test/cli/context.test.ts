// Exit codes come from what went wrong, never from an HTTP status (README: Exit codes).
import { expect, test } from "bun:test";
import { EXIT, exitCodeOf } from "../../src/cli/context.ts";
import { ConfigError, NetworkError, RequestError, StateError, UsageError } from "../../src/lib/errors.ts";

test("each kind of error ends a command with its documented exit code", () => {
  const cases: Array<[unknown, number]> = [
    [new UsageError("send: --to NAME is required"), EXIT.usage],
    [new StateError("data_dir_locked", "locked"), EXIT.state],
    [new RequestError("unknown_recipient", 'unknown recipient "x"'), EXIT.invalid],
    [new ConfigError([{ file: "c.yaml", line: 1, col: 1, message: "bad", severity: "error" }]), EXIT.invalid],
    [new NetworkError("sendMessage", "ECONNRESET"), EXIT.runtime],
    [new Error("port in use"), EXIT.runtime],
  ];
  expect(cases.map(([error]) => exitCodeOf(error))).toEqual(cases.map(([, code]) => code));
  expect(EXIT).toEqual({ ok: 0, invalid: 1, usage: 2, state: 3, runtime: 4 });
});
