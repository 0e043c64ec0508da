import * as crypto from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError, IntegrityError } from "../../../../provider/errors";
import { createArchiveWriter, readArchive } from "../../../../provider/engine/archive/archive";
import { archivePathFor } from "../../../../provider/format/archive-paths";
import { decryptStream, encryptStream, generateIdentity } from "../../../../provider/engine/archive/encrypt";
import {
  parseIdentityFile,
  parseRecipient,
  parseRecipients,
  recipientFingerprint,
} from "../../../../provider/format/age-keys";

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function encrypt(plain: Buffer, recipients: string[]): Promise<Buffer> {
  return collect(Readable.from([plain]).pipe(encryptStream(recipients)));
}

async function decrypt(cipher: Buffer, identities: string[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([cipher]),
    decryptStream(identities),
    new Writable({
      write(c, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

let alice: { identity: string; recipient: string };
let bob: { identity: string; recipient: string };
beforeAll(async () => {
  alice = await generateIdentity();
  bob = await generateIdentity();
});

describe("generateIdentity", () => {
  it("returns an X25519 identity and its recipient", async () => {
    const { identity, recipient } = await generateIdentity();
    expect(identity).toMatch(/^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/);
    expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
    expect(parseRecipient(recipient)).toBe(recipient);
  });
});

describe("parseRecipient", () => {
  const valid = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"; // the age spec's example key
  it.each([
    { name: "a valid recipient", value: valid, expected: valid },
    { name: "surrounding whitespace is trimmed", value: `  ${valid}\n`, expected: valid },
  ])("accepts $name", ({ value, expected }) => {
    expect(parseRecipient(value, 0)).toBe(expected);
  });

  it.each([
    { name: "a non-string", value: 42, message: /must be a string/ },
    { name: "an empty string", value: "", message: /not an X25519 age recipient/ },
    {
      name: "an ssh key",
      value: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      message: /not an X25519 age recipient/,
    },
    { name: "an upper-case recipient", value: valid.toUpperCase(), message: /not an X25519 age recipient/ },
    { name: "a truncated recipient", value: valid.slice(0, -1), message: /not an X25519 age recipient/ },
    { name: "a typo (bad checksum)", value: `${valid.slice(0, -1)}q`, message: /invalid checksum/ },
    { name: "a post-quantum recipient", value: `age1pq1${"q".repeat(80)}`, message: /not an X25519 age recipient/ },
  ])("refuses $name, naming the field", ({ value, message }) => {
    const err = (() => {
      try {
        parseRecipient(value, 3);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("encryption.recipients[3]");
    expect((err as Error).message).toMatch(message);
  });

  it("refuses a secret key without echoing it", () => {
    const secret = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
    const err = (() => {
      try {
        parseRecipient(secret, 0);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toMatch(/SECRET key/);
    expect(err?.message).not.toContain(secret);
    expect(err?.message).not.toContain(secret.slice(16, 40));
  });

  it("names the whole list when no index is given, and parseRecipients requires one", () => {
    expect(() => parseRecipient("nope")).toThrow(/^InputError: encryption\.recipients: /);
    expect(() => parseRecipients([])).toThrow(/at least one recipient/);
    expect(() => parseRecipients([valid, "nope"])).toThrow(/encryption\.recipients\[1\]/);
  });
});

describe("recipientFingerprint", () => {
  it("is 16 hex characters of SHA-256, stable, distinct per key and not the key", () => {
    const fp = recipientFingerprint(alice.recipient);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fp).toBe(crypto.createHash("sha256").update(alice.recipient).digest("hex").slice(0, 16));
    expect(recipientFingerprint(alice.recipient)).toBe(fp);
    expect(recipientFingerprint(bob.recipient)).not.toBe(fp);
    expect(alice.recipient).not.toContain(fp);
  });
});

describe("parseIdentityFile", () => {
  it.each([
    {
      name: "one key as age-keygen writes it",
      text: (k: string) => `# created: 2026-01-01T00:00:00Z\n# public key: age1...\n${k}\n`,
      count: 1,
    },
    { name: "CRLF line ends and blank lines", text: (k: string) => `\r\n# comment\r\n\r\n${k}\r\n`, count: 1 },
    { name: "no final newline", text: (k: string) => k, count: 1 },
    { name: "several keys", text: (k: string) => `${k}\n# second\n${k}\n`, count: 2 },
    { name: "a UTF-8 byte-order mark", text: (k: string) => `\uFEFF${k}\n`, count: 1 },
  ])("reads $name", ({ text, count }) => {
    const ids = parseIdentityFile(text(alice.identity));
    expect(ids).toHaveLength(count);
    expect(ids.every((i) => i === alice.identity)).toBe(true);
  });

  it.each([
    { name: "an empty file", text: () => "", message: /identity file: holds no identities/ },
    { name: "only comments", text: () => "# nothing\n\n", message: /holds no identities/ },
    { name: "a public key instead", text: () => `${alice.recipient}\n`, message: /line 1: .*public recipient/ },
    {
      name: "indented key (age does not trim)",
      text: (k: string) => `# c\n  ${k}\n`,
      message: /line 2: is not an X25519/,
    },
    {
      name: "a damaged key",
      text: (k: string) => `${k.slice(0, -1)}${k.endsWith("Q") ? "P" : "Q"}\n`,
      message: /line 1: has an invalid checksum/,
    },
    {
      name: "a hybrid post-quantum key",
      text: () => `AGE-SECRET-KEY-PQ-1${"Q".repeat(58)}\n`,
      message: /line 1: is not an X25519/,
    },
  ])("refuses $name, by line number, without echoing the line", ({ text, message }) => {
    const content = text(alice.identity);
    const err = (() => {
      try {
        parseIdentityFile(content, "key.txt");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toMatch(message.source.startsWith("identity file") ? /holds no/ : message);
    for (const line of content.split("\n").filter((l) => l.trim().length > 20))
      expect(err?.message).not.toContain(line.trim());
  });
});

describe("encryptStream / decryptStream", () => {
  it.each([
    { name: "empty input", size: 0 },
    { name: "one byte", size: 1 },
    { name: "exactly one 64 KiB age chunk", size: 64 * 1024 },
    { name: "several chunks and a partial one", size: 3 * 64 * 1024 + 17 },
  ])("round-trips $name", async ({ size }) => {
    const plain = crypto.randomBytes(size);
    const cipher = await encrypt(plain, [alice.recipient]);
    expect(cipher.subarray(0, 22).toString()).toBe("age-encryption.org/v1\n");
    expect((await decrypt(cipher, [alice.identity])).equals(plain)).toBe(true);
  });

  it("lets any one of several recipients decrypt", async () => {
    const plain = Buffer.from("kind: Secret\n");
    const cipher = await encrypt(plain, [alice.recipient, bob.recipient]);
    expect((await decrypt(cipher, [bob.identity])).toString()).toBe("kind: Secret\n");
    expect((await decrypt(cipher, [alice.identity])).toString()).toBe("kind: Secret\n");
  });

  it("validates recipients and identities before any data flows", () => {
    expect(() => encryptStream([])).toThrow(InputError);
    expect(() => encryptStream([alice.identity])).toThrow(/encryption\.recipients\[0\]: is an age SECRET key/);
    expect(() => decryptStream([])).toThrow(InputError);
    expect(() => decryptStream([alice.recipient])).toThrow(/identities\[0\]/);
  });

  it.each([
    { name: "encryption", make: () => encryptStream([alice.recipient]) },
    { name: "decryption", make: () => decryptStream([alice.identity]) },
  ])("fails (does not hang) when the source of $name errors midway", async ({ make }) => {
    const failure = new Error("download interrupted");
    async function* source() {
      yield await encrypt(crypto.randomBytes(300 * 1024), [alice.recipient]);
      throw failure;
    }
    await expect(
      pipeline(
        Readable.from(source()),
        make(),
        new Writable({
          write(_c, _e, cb) {
            cb();
          },
        }),
      ),
    ).rejects.toBe(failure);
  });

  describe("refuses bad input with an IntegrityError", () => {
    let cipher: Buffer;
    beforeAll(async () => {
      cipher = await encrypt(crypto.randomBytes(200 * 1024), [alice.recipient]);
    });
    const headerEnd = (b: Buffer) => b.indexOf("\n---") + 1;
    it.each([
      {
        name: "a wrong identity",
        mutate: (b: Buffer) => b,
        wrongKey: true,
        message: /none of the given identities can open this file/,
      },
      {
        name: "a flipped payload byte",
        mutate: (b: Buffer) => flip(b, b.length - 1000),
        message: /damaged, truncated or was modified/,
      },
      {
        name: "a truncated ciphertext",
        mutate: (b: Buffer) => b.subarray(0, b.length - 100),
        message: /damaged, truncated|truncated/,
      },
      {
        name: "a ciphertext cut at a chunk boundary",
        mutate: (b: Buffer) => b.subarray(0, b.indexOf("\n", headerEnd(b) + 4) + 1 + 16 + 2 * (64 * 1024 + 16)),
        message: /truncated|damaged/,
      },
      {
        name: "a ciphertext cut right after the header",
        mutate: (b: Buffer) => b.subarray(0, b.indexOf("\n", headerEnd(b) + 4) + 1),
        message: /truncated \(it ends inside the header\)/,
      },
      {
        name: "a modified recipient stanza",
        mutate: (b: Buffer) => flip(b, 30),
        message: /none of the given identities .* or its header was modified/,
      },
      {
        name: "a modified header MAC",
        mutate: (b: Buffer) => replaceBase64Char(b, headerEnd(b) + 6),
        message: /header is damaged or was modified/,
      },
      {
        name: "a header MAC that is not base64",
        mutate: (b: Buffer) => flip(b, headerEnd(b) + 6, 0x80),
        message: /header is damaged or was modified|not an age file/,
      },
      {
        name: "input that is not age at all",
        mutate: () => Buffer.from("\x1f\x8b\x08\x00 not age\nmore\n"),
        message: /not an age file/,
      },
      { name: "empty input", mutate: () => Buffer.alloc(0), message: /not an age file|truncated|damaged/ },
    ])("$name", async ({ mutate, wrongKey, message }) => {
      const err = await decrypt(mutate(Buffer.from(cipher)), [wrongKey ? bob.identity : alice.identity]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(/^IntegrityError: age decryption failed: /);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(alice.identity);
    });
  });

  it("keeps memory flat while encrypting and decrypting 200 MiB", { timeout: 120_000 }, async () => {
    const total = 200 * 1024 * 1024;
    const chunk = 256 * 1024;
    // Sampled inside the data path, not with a timer: web-stream pipelines run on microtasks and can
    // starve timers for the whole run, which would hide any growth.
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage.rss());
    };
    const inHash = crypto.createHash("sha256");
    const outHash = crypto.createHash("sha256");
    let seen = 0;
    async function* generate() {
      for (let sent = 0; sent < total; sent += chunk) {
        sample();
        const b = Buffer.alloc(chunk, sent / chunk);
        b.writeUInt32BE(sent, 0); // every chunk differs, so a reordering would change the hash
        inHash.update(b);
        yield b;
      }
    }
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        seen += c.length;
        outHash.update(c);
        sample();
        cb();
      },
    });
    await pipeline(Readable.from(generate()), encryptStream([alice.recipient]), decryptStream([alice.identity]), sink);
    expect(seen).toBe(total);
    expect(outHash.digest("hex")).toBe(inHash.digest("hex"));
    // Flat here is ~80 MiB of not-yet-collected garbage whatever the size; buffering the data would
    // add at least the 200 MiB itself.
    expect((peak - baseline) / 2 ** 20).toBeLessThan(150);
  });
});

describe("archive through age (the backup pipeline's tar -> gzip -> age, and back)", () => {
  const paths = ["web", "api", "db"].map((name) =>
    archivePathFor({ group: "apps", resource: "deployments", namespace: "prod", name }),
  );

  async function encryptedArchive(recipients: string[]): Promise<Buffer> {
    const w = createArchiveWriter();
    const out = collect(w.stream.pipe(encryptStream(recipients)));
    for (const p of paths) await w.addEntry(p, `kind: Deployment\nmetadata: {name: ${p}}\n`);
    await w.finish();
    return out;
  }

  it("round-trips every entry", async () => {
    const cipher = await encryptedArchive([alice.recipient]);
    const seen: string[] = [];
    for await (const e of readArchive(Readable.from([cipher]).pipe(decryptStream([alice.identity])))) seen.push(e.path);
    expect(seen).toEqual(paths);
  });

  it("surfaces a wrong identity from readArchive as the decryption IntegrityError", async () => {
    const cipher = await encryptedArchive([alice.recipient]);
    const source = Readable.from([cipher]).pipe(decryptStream([bob.identity]));
    const err = await (async () => {
      for await (const _ of readArchive(source)) {
        /* none */
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/none of the given identities can open this file/);
  });
});

function flip(b: Buffer, at: number, mask = 0x01): Buffer {
  const copy = Buffer.from(b);
  copy[at] = (copy[at] ?? 0) ^ mask;
  return copy;
}

/** Swaps one base64 character for another valid one, so only the value changes. */
function replaceBase64Char(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at] = copy[at] === 0x41 /* A */ ? 0x42 : 0x41;
  return copy;
}
