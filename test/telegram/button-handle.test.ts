import { describe, expect, test } from "bun:test";
import { CALLBACK_DATA_LIMIT, packButtonHandle, unpackButtonHandle } from "../../src/telegram/button-handle.ts";

describe("button handles", () => {
  test("round-trip within Telegram's 64 bytes of callback_data", () => {
    const handle = packButtonHandle("0mx2azu9ve358c7a2f7", 99);
    expect(new TextEncoder().encode(handle).length).toBeLessThanOrEqual(CALLBACK_DATA_LIMIT);
    expect(unpackButtonHandle(handle)).toEqual({ notification: "0mx2azu9ve358c7a2f7", index: 99 });
  });

  test("callback data that is no handle of ours is not one", () => {
    expect(unpackButtonHandle("approve:42")).toBeUndefined();
    expect(unpackButtonHandle("")).toBeUndefined();
  });
});
