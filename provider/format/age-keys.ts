/**
 * age keys (https://age-encryption.org/v1): X25519 recipients (`age1...`, public, in inputs and
 * location records) and identities (`AGE-SECRET-KEY-1...`, secret, read only to restore), checked as
 * `age-keygen` writes them. Pure; the checksums are verified with `age-encryption` itself.
 */
import * as crypto from "node:crypto";
import { Decrypter, Encrypter } from "age-encryption";
import { InputError } from "../errors";

/** The input field recipients come from; messages name `encryption.recipients[i]`. */
export const RECIPIENTS_FIELD = "encryption.recipients";

// An X25519 recipient is "age1" + bech32 of 32 bytes (52 chars) + 6-char checksum, lower case.
// Post-quantum (age1pq1...) and plugin/tag recipients are longer, so this also keeps them out: the
// stock `age` CLI (1.1) cannot decrypt them, and restores must work with it.
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
// The matching identity, as `age-keygen` writes it (upper case).
export const X25519_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

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
    throw new InputError(
      field,
      "is an age SECRET key (a private identity), not a recipient: give the public key printed by " +
        "`age-keygen -y <identity file>` and keep the secret key out of the program",
    );
  }
  if (!X25519_RECIPIENT.test(s)) {
    const shown = s.length > 24 ? `${s.slice(0, 24)}...` : s;
    throw new InputError(
      field,
      `${JSON.stringify(shown)} is not an X25519 age recipient: expected "age1" followed by 58 characters ` +
        `(lowercase bech32), an X25519 recipient from age-keygen ("Public key: age1...")`,
    );
  }
  try {
    new Encrypter().addRecipient(s); // decodes the bech32 payload: catches a typo via the checksum
  } catch (cause) {
    throw Object.assign(
      new InputError(
        field,
        `"${s}" has an invalid checksum (a typo or truncated copy?); copy it again from \`age-keygen -y\``,
      ),
      { cause },
    );
  }
  return s;
}

/** Validates every recipient (see {@link parseRecipient}) and requires at least one. */
export function parseRecipients(values: readonly unknown[]): string[] {
  if (values.length === 0)
    throw new InputError(RECIPIENTS_FIELD, "must list at least one recipient (age1...) when encryption is set");
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
      const hint = line.startsWith("age1")
        ? " (this is a public recipient; the identity is the AGE-SECRET-KEY-1... line from age-keygen)"
        : "";
      throw new InputError(
        `${source} line ${i + 1}`,
        `is not an X25519 age identity (AGE-SECRET-KEY-1... as written by age-keygen)${hint}`,
      );
    }
    try {
      new Decrypter().addIdentity(line); // decodes the bech32 payload: verifies the checksum
    } catch {
      throw new InputError(
        `${source} line ${i + 1}`,
        "has an invalid checksum: the identity is damaged; restore the file from its safe copy",
      );
    }
    identities.push(line);
  });
  if (identities.length === 0)
    throw new InputError(source, "holds no identities: expected at least one AGE-SECRET-KEY-1... line");
  return identities;
}
