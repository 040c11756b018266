import { expect, test } from "bun:test";
import { generateKey, isKey, KEY_PATTERN, KEY_SOURCE } from "../../src/keys/key-format.ts";

test("keys are 8 digits from 10000000 to 99999999", () => {
  expect(generateKey(() => 0)).toBe("10000000");
  expect(generateKey(() => 89_999_999)).toBe("99999999");
  expect(generateKey(() => 90_000_000)).toBe("10000000");
  for (let i = 0; i < 1000; i++) expect(isKey(generateKey())).toBe(true);
});

test("random values past the last whole span are drawn again, so every key is equally likely", () => {
  const values = [2 ** 32 - 1, 4_294_000_000, 5];
  expect(generateKey(() => values.shift()!)).toBe("10000005");
  expect(values).toEqual([]);
});

test("a key is a string of 8 digits not starting with 0", () => {
  for (const key of ["10000000", "48213977", "99999999"]) expect(isKey(key)).toBe(true);
  for (const value of ["01234567", "1234567", "123456789", "4.8213977e7", " 48213977", "4821397a", 48213977, null]) expect(isKey(value)).toBe(false);
  expect(KEY_PATTERN.test("048213977")).toBe(false);
});

test("KEY_SOURCE finds a key inside a reply", () => {
  const inText = new RegExp(`\\b${KEY_SOURCE}\\b`);
  expect(inText.exec("Ваш ключ: 48213977. Передайте его администратору.")?.[0]).toBe("48213977");
  expect(inText.exec("no key 048213977 or 1234567 here")).toBeNull();
});
