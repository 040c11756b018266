import { expect, test } from "bun:test";
import pkg from "../package.json";
import { VERSION } from "../src/version.ts";

test("src/version.ts matches package.json", () => {
  expect(VERSION).toBe(pkg.version);
});
