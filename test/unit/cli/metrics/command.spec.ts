/** `hks metrics` outputs: the textfile written atomically as *.prom, the Pushgateway URL checked. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pushgatewayUrl, writeTextfile } from "../../../../cli/metrics/actions";
import { inputError } from "../../../support/input-error";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-metrics-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("writeTextfile", () => {
  it("replaces the file as a whole and leaves no temp file", () => {
    const d = tmp();
    const f = path.join(d, "hks.prom");
    writeTextfile(f, "a 1\n");
    writeTextfile(f, "a 2\n");
    expect(fs.readFileSync(f, "utf8")).toBe("a 2\n");
    expect(fs.readdirSync(d)).toEqual(["hks.prom"]);
  });

  it("refuses a name the collector ignores, and a folder it cannot write, naming --textfile", () => {
    expect(inputError(() => writeTextfile(path.join(tmp(), "hks.txt"), "")).message).toMatch(
      /--textfile: .* does not end in \.prom/,
    );
    const e = inputError(() => writeTextfile(path.join(tmp(), "missing", "hks.prom"), ""));
    expect(e.message).toMatch(/--textfile: cannot write .* \(ENOENT\)/);
  });
});

describe("pushgatewayUrl", () => {
  it("takes http(s) URLs, without a trailing slash", () => {
    expect(pushgatewayUrl("http://127.0.0.1:9091/")).toBe("http://127.0.0.1:9091");
    expect(pushgatewayUrl("https://pgw.example/prefix")).toBe("https://pgw.example/prefix");
  });
  it.each(["pgw:9091", "ftp://pgw", "not a url"])("refuses %j naming --pushgateway", (u) => {
    expect(inputError(() => pushgatewayUrl(u)).field).toBe("--pushgateway");
  });
});
