/**
 * Kubernetes name and label syntax, shared by validation (plan/) and the label-selector parser. Pure.
 */

/** DNS-1123 label: what Kubernetes accepts for namespaces and most names of ours. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain, for object names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function isLabelKey(k: string): boolean {
  const slash = k.lastIndexOf("/");
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function isLabelValue(v: string): boolean {
  return v === "" || (v.length <= 63 && LABEL_NAME.test(v));
}

/** Where a location's config and credentials live in the cluster unless told otherwise. */
export const DEFAULT_LOCATION_NAMESPACE = "hks-system";
