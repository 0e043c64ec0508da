/**
 * age encryption (https://age-encryption.org/v1) of backup archives to X25519 recipients, streaming,
 * using FiloSottile's `age-encryption` (typage); the keys' format is format/age-keys.ts. The output is a standard age
 * file: `age -d -i key.txt`
 * decrypts it, and files from `age -r age1...` decrypt here, so a restore never depends on this tool.
 *
 * Only public keys (`age1...`) are needed to back up; the identity (`AGE-SECRET-KEY-1...`) is needed
 * only to restore, and never appears in messages, manifests or logs: recipients are referred to by a
 * fingerprint.
 */
import { Duplex } from "node:stream";
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { HksError, IntegrityError, InputError } from "../../errors";
import { parseRecipients, X25519_IDENTITY } from "../../format/age-keys";

/** Generates a new X25519 key pair, for tests and the demo. The identity is a secret. */
export async function generateIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * A Duplex that encrypts what is written to it into an age file for `recipients`; memory stays flat
 * (64 KiB age chunks). Recipients are validated first (InputError naming `encryption.recipients[i]`).
 * @param recipients one or more `age1...` X25519 recipients; any one identity can decrypt.
 */
export function encryptStream(recipients: readonly string[]): Duplex {
  const encrypter = new Encrypter();
  for (const r of parseRecipients(recipients)) encrypter.addRecipient(r);
  // Encryption has no untrusted input, so a failure here is a bug or a runtime fault, not integrity.
  return webTransformDuplex(
    (input) => encrypter.encrypt(input),
    (e) => (e instanceof HksError ? e : new Error(`age encryption failed: ${messageOf(e)}`, { cause: e })),
  );
}

/**
 * A Duplex that decrypts an age file written to it with any of `identities`; memory stays flat.
 * A wrong identity, a damaged, truncated or non-age input each fail with an IntegrityError that says
 * which. Every 64 KiB chunk is authenticated before it is emitted, but truncation is only detected at
 * the end: treat the output as provisional until the stream has ended without error.
 * @param identities `AGE-SECRET-KEY-1...` identities, e.g. from {@link parseIdentityFile}.
 */
export function decryptStream(identities: readonly string[]): Duplex {
  if (identities.length === 0)
    throw new InputError(
      "identities",
      "no identity given: pass the AGE-SECRET-KEY-1... identity file that matches encryption.recipients",
    );
  const decrypter = new Decrypter();
  identities.forEach((id, i) => {
    const problem = "is not a valid X25519 age identity (AGE-SECRET-KEY-1... as written by age-keygen)";
    if (!X25519_IDENTITY.test(id)) throw new InputError(`identities[${i}]`, problem);
    try {
      decrypter.addIdentity(id);
    } catch {
      throw new InputError(`identities[${i}]`, `${problem}: its checksum does not match`);
    }
  });
  return webTransformDuplex((input) => decrypter.decrypt(input), decryptionError);
}

/** Where a failure happened: while typage set up (header, nonce), or while streaming the payload. */
type Phase = "setup" | "payload";

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Maps typage's plain Errors to an IntegrityError that says what is wrong and what to do. `phase`
 * tells where it happened: typage reads the header (and the payload nonce) before it resolves, and
 * authenticates the payload chunk by chunk afterwards.
 */
function decryptionError(e: unknown, phase: Phase): Error {
  if (e instanceof HksError) return e;
  const m = messageOf(e);
  let reason: string;
  if (phase === "payload") {
    // ChaCha20-Poly1305 says only "invalid tag": a flipped bit and a cut look the same.
    reason = `the ciphertext is damaged, truncated or was modified (${m})`;
  } else if (m.includes("no identity matched")) {
    // A modified recipient stanza looks the same as a foreign key, so the message names both.
    reason =
      "none of the given identities can open this file: it was encrypted to other recipients (wrong identity " +
      "file?) or its header was modified. Compare the recipient fingerprints in manifest.json with `age-keygen " +
      "-y <identity file>`";
  } else if (m.startsWith("invalid version") || m.includes("non-ASCII byte in header")) {
    reason = "the input is not an age file (was the archive stored unencrypted, or is this the wrong object?)";
  } else if (m.includes("stream ended")) {
    reason = "the ciphertext is truncated (it ends inside the header)";
  } else {
    reason = `the age header is damaged or was modified (${m})`;
  }
  return new IntegrityError(`age decryption failed: ${reason}`, { cause: e });
}

/**
 * Wraps an async web-stream transform (typage takes a ReadableStream and resolves to one) as a
 * Node Duplex. The output stream is created synchronously, so the Duplex can be piped before the
 * transform's setup (e.g. header parsing) has finished; every error surfaces mapped by `mapError`.
 */
function webTransformDuplex(
  transform: (input: ReadableStream<Uint8Array>) => Promise<ReadableStream<Uint8Array>>,
  mapError: (e: unknown, phase: Phase) => Error,
): Duplex {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const pending = transform(input.readable);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const output = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // A failed setup (wrong identity, not an age file) must fail the Duplex even if no one reads
        // yet; otherwise the writer would block forever on a header parser that stopped reading.
        pending.catch((e: unknown) => controller.error(mapError(e, "setup")));
      },
      async pull(controller) {
        try {
          reader ??= (await pending).getReader();
        } catch (e) {
          return controller.error(mapError(e, "setup"));
        }
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (e) {
          controller.error(mapError(e, "payload"));
        }
      },
      async cancel(reason) {
        await reader?.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return Duplex.fromWeb({ readable: output, writable: input.writable });
}
