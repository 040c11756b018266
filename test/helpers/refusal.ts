import { RequestError } from "../../src/lib/errors.ts";

/** The RequestError `fn` throws, as its code and message; fails the test if it throws none. */
export function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a RequestError");
}
