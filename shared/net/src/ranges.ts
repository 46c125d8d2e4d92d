import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Addresses that hand out credentials to whoever asks, named so a refusal says what it protected. Most sit in ranges
 * refused anyway; naming them keeps the message useful, and Alibaba's is otherwise only carrier-grade NAT.
 */
const metadata = new Map<string, string>([
  ["169.254.169.254", "cloud metadata"], // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
  ["169.254.170.2", "cloud metadata"], // AWS ECS task credentials
  ["169.254.170.23", "cloud metadata"], // AWS EKS pod identity
  ["100.100.100.200", "cloud metadata"], // Alibaba Cloud
  ["192.0.0.192", "cloud metadata"], // Oracle Cloud (legacy)
  ["fd00:ec2::254", "cloud metadata"], // AWS over IPv6
  ["fd00:ec2::23", "cloud metadata"], // AWS EKS pod identity over IPv6
]);

/** ipaddr.js range names refused, with the words a refusal uses. Anything else (unicast, as112, amt) is public. */
const refusedV4: Readonly<Record<string, string>> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT",
  private: "private",
  reserved: "reserved",
};

const refusedV6: Readonly<Record<string, string>> = {
  unspecified: "unspecified",
  linkLocal: "link-local",
  multicast: "multicast",
  loopback: "loopback",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  discard: "reserved",
  reserved: "reserved",
  benchmarking: "reserved",
  deprecatedOrchid: "reserved",
  orchid2: "reserved",
  droneRemoteIdProtocolEntityTags: "reserved",
  segmentRouting: "reserved",
};

const globalUnicast = ipaddr.IPv6.parseCIDR("2000::/3");
/** RFC 8215's local-use NAT64 prefix: the operator's own translator, with no fixed place for the IPv4 address. */
const localNat64 = ipaddr.IPv6.parseCIDR("64:ff9b:1::/48");

const v4From = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

/** The IPv4 address an IPv6 address carries to, for the forms that reach IPv4 hosts through a translator or tunnel. */
function embeddedV4(address: ipaddr.IPv6): { v4: ipaddr.IPv4; form: string } | undefined {
  const parts = address.parts;
  const at = (index: number) => parts[index] ?? 0;
  switch (address.range()) {
    case "ipv4Mapped":
      return { v4: address.toIPv4Address(), form: "IPv4-mapped" };
    case "rfc6145":
      return { v4: v4From(at(6), at(7)), form: "IPv4-translated" };
    case "rfc6052":
      return address.match(localNat64) ? undefined : { v4: v4From(at(6), at(7)), form: "NAT64" };
    case "6to4":
      return { v4: v4From(at(1), at(2)), form: "6to4" };
    case "teredo":
      // The client's address is stored inverted (RFC 4380), so a relay delivers to it.
      return { v4: v4From(at(6) ^ 0xffff, at(7) ^ 0xffff), form: "Teredo" };
    default:
      return undefined;
  }
}

function v4Range(address: ipaddr.IPv4): string | undefined {
  return metadata.get(address.toString()) ?? refusedV4[address.range()];
}

function v6Range(address: ipaddr.IPv6): string | undefined {
  const named = metadata.get(address.toString());
  if (named) return named;
  const embedded = embeddedV4(address);
  if (embedded) {
    const inner = v4Range(embedded.v4);
    return inner === undefined ? undefined : `${inner} (${embedded.form})`;
  }
  if (address.match(localNat64)) return "reserved (local NAT64)";
  const refused = refusedV6[address.range()];
  if (refused) return refused;
  // Only 2000::/3 is handed out for the Internet; the rest (IPv4-compatible ::/96 included) reaches nobody public.
  return address.match(globalUnicast) ? undefined : "reserved";
}

/**
 * The name of the non-public range `address` falls in (loopback, private, link-local, cloud metadata, …), or
 * undefined when it is public. IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by
 * the IPv4 address they reach. Anything that is not an IP address is refused, so a caller's mistake fails closed.
 */
export function forbiddenRange(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return "invalid";
  return parsed instanceof ipaddr.IPv4 ? v4Range(parsed) : v6Range(parsed);
}

/** Strict parse: dotted-quad IPv4 only (no `0x7f.1` or `2130706433`), any valid IPv6 (brackets and zone allowed). */
export function parseAddress(text: string): Address | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}
