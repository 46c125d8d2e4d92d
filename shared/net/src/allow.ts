import ipaddr from "ipaddr.js";
import { parseAddress } from "./ranges.ts";

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An operator's allow-list: host names matched exactly (case and a trailing dot aside), IPs and CIDRs by address. */
export interface AllowList {
  host(hostname: string): boolean;
  address(address: string): boolean;
}

export const normalizeHost = (hostname: string) => hostname.toLowerCase().replace(/\.$/, "");

/** Parses the entries once; an entry that looks like a CIDR but is not one is a configuration error, not a silent no-op. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") continue;
    const single = parseAddress(entry);
    if (single) ranges.push([single, single.kind() === "ipv4" ? 32 : 128]);
    else if (entry.includes("/")) ranges.push(parseCidr(entry));
    else if (/^[a-z0-9_.-]+$/i.test(entry)) hosts.add(normalizeHost(entry));
    else throw new Error(`outbound allow-list entry '${entry}' is neither a host name, an IP address nor a CIDR`);
  }
  return {
    host: (hostname) => hosts.has(normalizeHost(hostname)),
    address(address) {
      const parsed = parseAddress(address);
      if (!parsed) return false;
      // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel, so an entry in either form covers the other.
      const forms = [parsed];
      if (parsed instanceof ipaddr.IPv4) forms.push(parsed.toIPv4MappedAddress());
      else if (parsed.isIPv4MappedAddress()) forms.push(parsed.toIPv4Address());
      return ranges.some(([network, bits]) => forms.some((form) => form.kind() === network.kind() && form.match(network, bits)));
    },
  };
}

function parseCidr(entry: string): Cidr {
  try {
    return ipaddr.parseCIDR(entry);
  } catch {
    throw new Error(`outbound allow-list entry '${entry}' is not a valid CIDR`);
  }
}
