/** Catching the InputError a call must throw, so a test can check its field and reason. */
import { expect } from "vitest";
import { InputError } from "../../provider/errors";

/** The InputError `fn` throws; fails the test when it throws something else or nothing. */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError, nothing was thrown");
}
