import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError, IntegrityError } from "../../../provider/errors";
import { archivePathFor, groupResourceKey, parseArchivePath } from "../../../provider/format/archive-paths";

// Names with control characters are refused elsewhere; these properties are about valid names.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_NAME_CHARS = /[/\\%\u0000-\u001f\u007f]/;

describe("archivePathFor", () => {
  it.each([
    {
      name: "a namespaced object in a named group",
      ref: { group: "apps", resource: "deployments", namespace: "prod", name: "web" },
      path: "resources/deployments.apps/prod/web.yaml",
    },
    {
      name: "a core-group object (no group suffix)",
      ref: { group: "", resource: "secrets", namespace: "prod", name: "db" },
      path: "resources/secrets/prod/db.yaml",
    },
    {
      name: "a cluster-scoped object (namespace absent)",
      ref: { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name: "widgets.example.com" },
      path: "resources/customresourcedefinitions.apiextensions.k8s.io/_cluster/widgets.example.com.yaml",
    },
    {
      name: "a cluster-scoped object (namespace empty)",
      ref: { group: "", resource: "namespaces", namespace: "", name: "prod" },
      path: "resources/namespaces/_cluster/prod.yaml",
    },
    {
      name: "an RBAC name with ':' and upper case",
      ref: { group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "system:Aggregate" },
      path: "resources/clusterroles.rbac.authorization.k8s.io/_cluster/system:Aggregate.yaml",
    },
  ])("places $name", ({ ref, path }) => {
    expect(archivePathFor(ref)).toBe(path);
  });

  it.each([
    {
      name: "a traversal name",
      ref: { group: "", resource: "secrets", namespace: "ns", name: ".." },
      field: "archive object name",
    },
    {
      name: "a name with '/'",
      ref: { group: "", resource: "secrets", namespace: "ns", name: "a/b" },
      field: "archive object name",
    },
    {
      name: "a name with '%'",
      ref: { group: "", resource: "secrets", namespace: "ns", name: "a%2Fb" },
      field: "archive object name",
    },
    {
      name: "a name with NUL",
      ref: { group: "", resource: "secrets", namespace: "ns", name: "a\0b" },
      field: "archive object name",
    },
    {
      name: "an empty name",
      ref: { group: "", resource: "secrets", namespace: "ns", name: "" },
      field: "archive object name",
    },
    {
      name: "a name over 253 characters",
      ref: { group: "", resource: "secrets", namespace: "ns", name: "a".repeat(254) },
      field: "archive object name",
    },
    {
      name: "a namespace with '/'",
      ref: { group: "", resource: "secrets", namespace: "a/b", name: "x" },
      field: "archive object namespace",
    },
    {
      name: "an upper-case resource",
      ref: { group: "", resource: "Secrets", namespace: "ns", name: "x" },
      field: "archive object resource",
    },
    {
      name: "a resource with a dot",
      ref: { group: "", resource: "a.b", namespace: "ns", name: "x" },
      field: "archive object resource",
    },
    {
      name: "a group with '..'",
      ref: { group: "a..b", resource: "widgets", namespace: "ns", name: "x" },
      field: "archive object group",
    },
  ])("refuses $name with an InputError naming the field", ({ ref, field }) => {
    const err = (() => {
      try {
        archivePathFor(ref);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
  });
});

describe("parseArchivePath", () => {
  it.each([
    {
      path: "resources/deployments.apps/prod/web.yaml",
      ref: { group: "apps", resource: "deployments", namespace: "prod", name: "web" },
    },
    { path: "resources/secrets/prod/db.yaml", ref: { group: "", resource: "secrets", namespace: "prod", name: "db" } },
    {
      path: "resources/widgets.example.com/_cluster/a.b.c.yaml",
      ref: { group: "example.com", resource: "widgets", namespace: undefined, name: "a.b.c" },
    },
    {
      path: "resources/configmaps/ns/.yaml.yaml",
      ref: { group: "", resource: "configmaps", namespace: "ns", name: ".yaml" },
    },
  ])("parses $path", ({ path, ref }) => {
    expect(parseArchivePath(path)).toEqual(ref);
  });

  it.each([
    { name: "an empty path", path: "", reason: /the path is empty/ },
    { name: "an absolute path", path: "/resources/secrets/ns/a.yaml", reason: /the path is absolute/ },
    { name: "a parent segment", path: "resources/secrets/../../../etc/passwd.yaml", reason: /'\.\.' segment/ },
    { name: "a parent segment that keeps the shape", path: "resources/../ns/a.yaml", reason: /'\.\.' segment/ },
    { name: "a dot segment", path: "./resources/secrets/ns/a.yaml", reason: /'\.' or '\.\.' segment/ },
    { name: "a name of '..'", path: "resources/secrets/ns/...yaml", reason: /not a valid object name/ },
    { name: "a doubled slash", path: "resources//secrets/ns/a.yaml", reason: /empty segment/ },
    { name: "a trailing slash", path: "resources/secrets/ns/", reason: /empty segment/ },
    { name: "NUL", path: "resources/secrets/ns/a\0.yaml", reason: /NUL or a control character/ },
    { name: "a newline", path: "resources/secrets/ns/a\n.yaml", reason: /NUL or a control character/ },
    { name: "backslashes", path: "resources\\secrets\\ns\\a.yaml", reason: /backslash/ },
    { name: "a Windows traversal", path: "resources/secrets/ns/..\\..\\a.yaml", reason: /backslash/ },
    {
      name: "a Windows drive path",
      path: "C:/resources/secrets/ns/a.yaml",
      reason: /does not match the archive scheme/,
    },
    { name: "too few segments", path: "resources/secrets/a.yaml", reason: /does not match the archive scheme/ },
    {
      name: "too many segments",
      path: "resources/secrets/ns/extra/a.yaml",
      reason: /does not match the archive scheme/,
    },
    { name: "another top folder", path: "metadata/secrets/ns/a.yaml", reason: /does not match the archive scheme/ },
    { name: "another extension", path: "resources/secrets/ns/a.json", reason: /does not end in \.yaml/ },
    { name: "only the extension", path: "resources/secrets/ns/.yaml", reason: /name "" is empty/ },
    {
      name: "an upper-case namespace",
      path: "resources/secrets/Prod/a.yaml",
      reason: /namespace "Prod" is not a namespace name/,
    },
    { name: "a namespace with an underscore", path: "resources/secrets/_other/a.yaml", reason: /namespace "_other"/ },
    { name: "an empty group after the dot", path: "resources/pods./ns/a.yaml", reason: /not in canonical form/ },
    { name: "an empty resource", path: "resources/.apps/ns/a.yaml", reason: /resource "" is not/ },
    { name: "a bad group", path: "resources/widgets.-x.com/ns/a.yaml", reason: /group "-x.com" is not an API group/ },
    { name: "a '%' in the name", path: "resources/secrets/ns/a%2e%2e.yaml", reason: /"a%2e%2e" contains .* or '%'/ },
  ])("refuses $name", ({ path, reason }) => {
    const err = (() => {
      try {
        parseArchivePath(path);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err?.message).toMatch(/^IntegrityError: archive entry .* is refused: /);
    expect(err?.message).toMatch(reason);
  });

  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
  const ref = fc.record({
    group: fc.oneof(
      fc.constant(""),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join(".")),
    ),
    resource: label,
    namespace: fc.option(label, { nil: undefined }),
    name: fc
      .string({ minLength: 1, maxLength: 60 })
      .filter((n) => n !== "." && n !== ".." && !UNSAFE_NAME_CHARS.test(n)),
  });

  it("round-trips every valid reference (property)", () => {
    fc.assert(
      fc.property(ref, (r) => {
        expect(parseArchivePath(archivePathFor(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it("never accepts a path that escapes resources/ (property)", () => {
    const segment = fc.oneof(
      fc.constantFrom("..", ".", "", "resources", "_cluster", "a.yaml", "/", "\\", "secrets"),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (parts) => {
        const path = parts.join("/");
        let parsed;
        try {
          parsed = parseArchivePath(path);
        } catch (e) {
          expect(e).toBeInstanceOf(IntegrityError);
          return;
        }
        // Accepted paths are exactly the canonical path of what they name.
        expect(archivePathFor(parsed)).toBe(path);
        expect(path.split("/")).not.toContain("..");
        expect(path.startsWith("resources/")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("groupResourceKey", () => {
  it.each([
    { gr: { group: "", resource: "pods" }, key: "pods" },
    { gr: { group: "apps", resource: "deployments" }, key: "deployments.apps" },
    {
      gr: { group: "snapshot.storage.k8s.io", resource: "volumesnapshots" },
      key: "volumesnapshots.snapshot.storage.k8s.io",
    },
  ])("$key", ({ gr, key }) => {
    expect(groupResourceKey(gr)).toBe(key);
  });
});
