/**
 * A throw-away certificate authority for the local apiserver: CA, serving certificate (SAN
 * 127.0.0.1/localhost), an admin client certificate in `system:masters`, and the service-account
 * signing key pair. Uses the `openssl` command, as kubeadm's docs do for manual PKI.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string };
    if (e.code === "ENOENT")
      throw new Error("the 'openssl' command is missing: install it (Debian: apt-get install openssl)");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? err}`);
  }
}

/**
 * Signs a certificate for `subj` with the CA at `ca`: a new key and certificate in
 * `dir/<name>.{key,crt}`, with the OpenSSL extensions `ext` (usage, names); valid for 30 days.
 */
function signCert(ca: { cert: string; key: string }, dir: string, name: string, subj: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subj,
  ]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-CAserial",
    path.join(dir, "ca.srl"),
    "-days",
    "30",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  ]);
}

/**
 * A client certificate with subject `subj` (e.g. `/O=system:nodes/CN=system:node:x`) signed by the
 * stack's CA, written to `dir/<name>.{crt,key}` (reused when present).
 */
export function signClientCert(pki: Pki, dir: string, name: string, subj: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  if (fs.existsSync(cert) && fs.existsSync(key)) return { cert, key };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  signCert({ cert: pki.caCert, key: pki.caKey }, dir, name, subj, "extendedKeyUsage=clientAuth\n");
  fs.chmodSync(key, 0o600);
  return { cert, key };
}

/** Creates (or reuses, when complete) the PKI in `dir`. Certificates are valid for 30 days. */
export function ensurePki(dir: string): Pki {
  const f = (n: string) => path.join(dir, n);
  const pki: Pki = {
    dir,
    caCert: f("ca.crt"),
    caKey: f("ca.key"),
    serverCert: f("apiserver.crt"),
    serverKey: f("apiserver.key"),
    adminCert: f("admin.crt"),
    adminKey: f("admin.key"),
    saKey: f("sa.key"),
    saPub: f("sa.pub"),
  };
  if (Object.values(pki).every((p) => fs.existsSync(p))) return pki;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "30",
    "-subj",
    "/CN=hks-dev-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const sign = (name: string, subj: string, ext: string) =>
    signCert({ cert: pki.caCert, key: pki.caKey }, dir, name, subj, ext);
  sign(
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  sign("admin", "/O=system:masters/CN=hks-dev-admin", "extendedKeyUsage=clientAuth\n");
  openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
  for (const p of Object.values(pki)) if (p !== dir) fs.chmodSync(p, 0o600);
  return pki;
}
