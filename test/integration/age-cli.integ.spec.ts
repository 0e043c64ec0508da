/**
 * Proves that our archives are standard age files: the stock `age` CLI (Debian package `age`) must
 * decrypt what we encrypt and vice versa, and `tar -tz` must list the decrypted archive. This is what
 * makes a restore possible without hks-backup. It needs no services, only the `age`, `age-keygen` and
 * `tar` binaries, and fails (never skips) when they are missing.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArchiveWriter } from "../../provider/engine/archive/archive";
import { archivePathFor } from "../../provider/format/archive-paths";
import { decryptStream, encryptStream, generateIdentity } from "../../provider/engine/archive/encrypt";
import { parseIdentityFile } from "../../provider/format/age-keys";

let dir: string;
let ours: { identity: string; recipient: string; file: string };
let cli: { identities: string[]; recipient: string; file: string };

function run(cmd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 64 * 1024 * 1024, stdio: ["pipe", "pipe", "pipe"] });
}

async function encryptWithOurs(plain: Buffer, recipients: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([plain]), encryptStream(recipients), sink(chunks));
  return Buffer.concat(chunks);
}

async function decryptWithOurs(cipher: Buffer, identities: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([cipher]), decryptStream(identities), sink(chunks));
  return Buffer.concat(chunks);
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
}

beforeAll(async () => {
  for (const tool of [
    ["age", "--version"],
    ["age-keygen", "--version"],
    ["tar", "--version"],
  ] as const) {
    try {
      run(tool[0], [tool[1]]);
    } catch (e) {
      throw new Error(
        `${tool[0]} is required by this test and was not found: install it (Debian/Ubuntu: apt-get install -y age tar)`,
        { cause: e },
      );
    }
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-age-"));
  const generated = await generateIdentity();
  ours = { ...generated, file: path.join(dir, "ours.key") };
  fs.writeFileSync(
    ours.file,
    `# created by hks-backup test\n# public key: ${generated.recipient}\n${generated.identity}\n`,
    { mode: 0o600 },
  );
  const cliFile = path.join(dir, "cli.key");
  run("age-keygen", ["-o", cliFile]);
  cli = {
    // the file exactly as age-keygen writes it
    identities: parseIdentityFile(fs.readFileSync(cliFile, "utf8"), cliFile),
    recipient: run("age-keygen", ["-y", cliFile]).toString().trim(),
    file: cliFile,
  };
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("age CLI interoperability", () => {
  it.each([
    { name: "empty", size: 0 },
    { name: "small", size: 100 },
    { name: "several 64 KiB chunks", size: 5 * 64 * 1024 + 3 },
    { name: "an exact multiple of the chunk size", size: 4 * 64 * 1024 },
  ])("`age -d -i` decrypts our encryption ($name)", async ({ size }) => {
    const plain = crypto.randomBytes(size);
    const cipher = await encryptWithOurs(plain, [ours.recipient]);
    const out = run("age", ["-d", "-i", ours.file], cipher);
    expect(out.equals(plain)).toBe(true);
  });

  it("`age -d` decrypts with any one of our several recipients", async () => {
    const plain = Buffer.from("apiVersion: v1\nkind: Secret\n");
    const cipher = await encryptWithOurs(plain, [ours.recipient, cli.recipient]);
    expect(run("age", ["-d", "-i", cli.file], cipher).equals(plain)).toBe(true);
    expect(run("age", ["-d", "-i", ours.file], cipher).equals(plain)).toBe(true);
  });

  it.each([
    { name: "small", size: 100 },
    { name: "several 64 KiB chunks", size: 3 * 1024 * 1024 + 7 },
  ])("we decrypt `age -r` encryption with an age-keygen identity file ($name)", async ({ size }) => {
    const plain = crypto.randomBytes(size);
    const cipher = run("age", ["-r", cli.recipient], plain);
    expect(cipher.subarray(0, 22).toString()).toBe("age-encryption.org/v1\n");
    expect((await decryptWithOurs(cipher, cli.identities)).equals(plain)).toBe(true);
  });

  it("we decrypt `age -R` (recipients file) encryption to our generated key", async () => {
    const recipientsFile = path.join(dir, "recipients.txt");
    fs.writeFileSync(recipientsFile, `# team keys\n${ours.recipient}\n${cli.recipient}\n`);
    const plain = crypto.randomBytes(70_000);
    const cipher = run("age", ["-R", recipientsFile], plain);
    expect((await decryptWithOurs(cipher, [ours.identity])).equals(plain)).toBe(true);
  });

  it("`age -d` refuses our file for a key it was not encrypted to", async () => {
    const cipher = await encryptWithOurs(Buffer.from("x"), [ours.recipient]);
    expect(() => run("age", ["-d", "-i", cli.file], cipher)).toThrow(/no identity matched/);
  });

  it("an encrypted archive decrypts with `age -d` and lists with `tar -tz`", async () => {
    const objects = [
      { group: "", resource: "namespaces", name: "prod" },
      { group: "apps", resource: "deployments", namespace: "prod", name: "web" },
      { group: "", resource: "secrets", namespace: "prod", name: "db-credentials" },
      { group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "system:aggregate-to-admin" },
      // Longer than tar's 100-byte name field: exercises the pax header the CLI must understand.
      { group: "widgets.example.com", resource: "gadgets", namespace: "n".repeat(40), name: "g".repeat(120) },
    ];
    const paths = objects.map(archivePathFor);
    const writer = createArchiveWriter();
    const chunks: Buffer[] = [];
    const uploaded = pipeline(writer.stream, encryptStream([ours.recipient]), sink(chunks));
    for (const p of paths) await writer.addEntry(p, `# ${p}\nkind: Example\n`);
    await writer.finish();
    await uploaded;
    const encrypted = path.join(dir, "resources.tar.gz.age");
    fs.writeFileSync(encrypted, Buffer.concat(chunks));

    const tarGz = run("age", ["-d", "-i", ours.file, encrypted]);
    expect(run("tar", ["-tz"], tarGz).toString().trim().split("\n")).toEqual(paths);
    expect(run("tar", ["-xzO", paths[1]!], tarGz).toString()).toBe(`# ${paths[1]}\nkind: Example\n`);
  });
});
