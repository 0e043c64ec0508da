/**
 * Front ends name inputs their own way (the CLI by its flags); the preparation names them by the
 * resource's input paths. One translation at the edge keeps both messages exact.
 */
import { InputError } from "../errors";

/**
 * Runs `prepare`; an InputError it throws is thrown again naming `fieldOf(error.field)`.
 * @param fieldOf undefined keeps the resource's input paths.
 */
export async function runPreparation<T>(
  fieldOf: ((path: string) => string) | undefined,
  prepare: () => Promise<T>,
): Promise<T> {
  if (!fieldOf) return prepare();
  try {
    return await prepare();
  } catch (e) {
    throw e instanceof InputError ? new InputError(fieldOf(e.field), e.reason) : e;
  }
}
