/**
 * Typed errors. Each names what failed (resource, field or object) and says how to fix it, so the
 * message can be shown to a person as it is. `category` prefixes the message, as lib-storage does.
 */
export type ErrorCategory =
  "InputError" | "StorageError" | "KubernetesError" | "HookError" | "IntegrityError" | "ConflictError";

export class HksError extends Error {
  constructor(
    readonly category: ErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${category}: ${message}`, options);
    this.name = category;
  }
}

/** A bad input: `field` is the dotted path of the input (e.g. `objectStorage.bucket`). */
export class InputError extends HksError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super("InputError", `${field}: ${reason}`);
  }
}

export class StorageError extends HksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("StorageError", message, options);
  }
}

export class KubernetesError extends HksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("KubernetesError", message, options);
  }
}

export class HookError extends HksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("HookError", message, options);
  }
}

/** A checksum mismatch, a truncated archive or a wrong decryption identity. */
export class IntegrityError extends HksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("IntegrityError", message, options);
  }
}

/** A write that would overwrite an existing object, or a concurrent run holding a lock. */
export class ConflictError extends HksError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ConflictError", message, options);
  }
}
