/**
 * age encryption (https://age-encryption.org/v1) of backup archives to X25519 recipients, streaming,
 * using FiloSottile's `age-encryption` (typage). The output is a standard age file: `age -d -i key.txt`
 * decrypts it, and files from `age -r age1...` decrypt here, so a restore never depends on this tool.
 *
 * Only public keys (`age1...`) are needed to back up; the identity (`AGE-SECRET-KEY-1...`) is needed
 * only to restore, and never appears in messages, manifests or logs: recipients are referred to by a
 * fingerprint.
 */
import * as crypto from "node:crypto";
import { Duplex } from "node:stream";
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { HksError, IntegrityError, InputError } from "../../errors";

/** The input field recipients come from; messages name `encryption.recipients[i]`. */
export const RECIPIENTS_FIELD = "encryption.recipients";

// An X25519 recipient is "age1" + bech32 of 32 bytes (52 chars) + 6-char checksum, lower case.
// Post-quantum (age1pq1...) and plugin/tag recipients are longer, so this also keeps them out: the
// stock `age` CLI (1.1) cannot decrypt them, and restores must work with it.
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
// The matching identity, as `age-keygen` writes it (upper case).
const X25519_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/**
 * Validates one X25519 age recipient (`age1...`, as printed by `age-keygen -y`) and returns it.
 * Throws an InputError naming `encryption.recipients[index]` otherwise; a secret key passed by
 * mistake is recognised and never echoed.
 * @param value the candidate recipient.
 * @param index its position in `encryption.recipients`, for the message; omitted for a lone value.
 */
export function parseRecipient(value: unknown, index?: number): string {
  const field = index === undefined ? RECIPIENTS_FIELD : `${RECIPIENTS_FIELD}[${index}]`;
  if (typeof value !== "string") throw new InputError(field, `must be a string "age1...", got ${typeof value}`);
  const s = value.trim();
  if (s.toUpperCase().startsWith("AGE-SECRET-KEY-")) {
    throw new InputError(field, "is an age SECRET key (identity), not a recipient: give the public key printed by `age-keygen -y <identity file>` and keep the secret key out of the program");
  }
  if (!X25519_RECIPIENT.test(s)) {
    const shown = s.length > 24 ? `${s.slice(0, 24)}...` : s;
    throw new InputError(field, `${JSON.stringify(shown)} is not an X25519 age recipient: expected "age1" followed by 58 lowercase bech32 characters, as printed by \`age-keygen\` ("Public key: age1...")`);
  }
  try {
    new Encrypter().addRecipient(s); // decodes the bech32 payload: catches a typo via the checksum
  } catch (cause) {
    throw Object.assign(new InputError(field, `"${s}" has an invalid checksum (a typo or truncated copy?); copy it again from \`age-keygen -y\``), { cause });
  }
  return s;
}

/** Validates every recipient (see {@link parseRecipient}) and requires at least one. */
export function parseRecipients(values: readonly unknown[]): string[] {
  if (values.length === 0) throw new InputError(RECIPIENTS_FIELD, "must list at least one recipient (age1...) when encryption is set");
  return values.map((v, i) => parseRecipient(v, i));
}

/**
 * A stable, non-secret label for a recipient, recorded in manifests: the first 16 hex characters of
 * the SHA-256 of the recipient string. It identifies which key a backup needs without storing a key.
 */
export function recipientFingerprint(recipient: string): string {
  return crypto.createHash("sha256").update(recipient.trim()).digest("hex").slice(0, 16);
}

/**
 * Reads an identity file the way `age -i` does: one identity per line, `#` comment lines and empty
 * lines ignored, CRLF accepted. Only native X25519 identities (`AGE-SECRET-KEY-1...`) are supported
 * (no SSH keys, plugins, or passphrase-encrypted identity files). Throws an InputError naming the line
 * number; the line itself is never echoed since it may be a secret.
 * @param text the file's content.
 * @param source how the file is named in messages.
 * @default source "identity file"
 */
export function parseIdentityFile(text: string, source = "identity file"): string[] {
  const identities: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) return;
    if (!X25519_IDENTITY.test(line)) {
      const hint = line.startsWith("age1") ? " (this is a public recipient; the identity is the AGE-SECRET-KEY-1... line from age-keygen)" : "";
      throw new InputError(`${source} line ${i + 1}`, `is not an X25519 age identity (AGE-SECRET-KEY-1... as written by age-keygen)${hint}`);
    }
    try {
      new Decrypter().addIdentity(line); // decodes the bech32 payload: verifies the checksum
    } catch {
      throw new InputError(`${source} line ${i + 1}`, "has an invalid checksum: the identity is damaged; restore the file from its safe copy");
    }
    identities.push(line);
  });
  if (identities.length === 0) throw new InputError(source, "holds no identities: expected at least one AGE-SECRET-KEY-1... line");
  return identities;
}

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
  return webTransformDuplex((input) => encrypter.encrypt(input), (e) => (e instanceof HksError ? e : new Error(`age encryption failed: ${messageOf(e)}`, { cause: e })));
}

/**
 * A Duplex that decrypts an age file written to it with any of `identities`; memory stays flat.
 * A wrong identity, a damaged, truncated or non-age input each fail with an IntegrityError that says
 * which. Every 64 KiB chunk is authenticated before it is emitted, but truncation is only detected at
 * the end: treat the output as provisional until the stream has ended without error.
 * @param identities `AGE-SECRET-KEY-1...` identities, e.g. from {@link parseIdentityFile}.
 */
export function decryptStream(identities: readonly string[]): Duplex {
  if (identities.length === 0) throw new InputError("identities", "no identity given: pass the AGE-SECRET-KEY-1... identity file that matches encryption.recipients");
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
    reason = "none of the given identities can open this file: it was encrypted to other recipients (wrong identity file?) or its header was modified. Compare the recipient fingerprints in manifest.json with `age-keygen -y <identity file>`";
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
