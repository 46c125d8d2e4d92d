import { describe, expect, it } from "vitest";
import { parseAllowList } from "./allow.ts";
import { forbiddenRange } from "./ranges.ts";

describe("forbiddenRange", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.254", "private"],
    ["192.168.1.1", "private"],
    ["169.254.1.1", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.10", "reserved"],
    ["198.18.0.1", "reserved"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.170.2", "cloud metadata"],
    ["100.100.100.200", "cloud metadata"],
  ])("refuses IPv4 %s as %s", (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each([
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["fec0::1", "private"],
    ["2001:db8::1", "reserved"],
    ["100::1", "reserved"],
    ["::7f00:1", "reserved"],
    ["fd00:ec2::254", "cloud metadata"],
  ])("refuses IPv6 %s as %s", (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback (IPv4-mapped)"],
    ["::ffff:7f00:1", "loopback (IPv4-mapped)"],
    ["::ffff:169.254.169.254", "cloud metadata (IPv4-mapped)"],
    ["::ffff:10.0.0.1", "private (IPv4-mapped)"],
    ["::ffff:0:127.0.0.1", "loopback (IPv4-translated)"],
    ["64:ff9b::127.0.0.1", "loopback (NAT64)"],
    ["64:ff9b::a9fe:a9fe", "cloud metadata (NAT64)"],
    ["64:ff9b:1::1", "reserved (local NAT64)"],
    ["2002:7f00:1::1", "loopback (6to4)"],
    ["2002:c0a8:101::1", "private (6to4)"],
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", "private (Teredo)"],
  ])("judges %s by the IPv4 address it carries: %s", (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("lets public %s through", (address) => {
    expect(forbiddenRange(address)).toBeUndefined();
  });

  it("refuses what is not a dotted-quad or IPv6 address", () => {
    for (const text of ["localhost", "0x7f.1", "2130706433", "127.1", ""]) expect(forbiddenRange(text), text).toBe("invalid");
  });
});

describe("parseAllowList", () => {
  const allow = parseAllowList(["MCP.internal.", " 127.0.0.1 ", "10.1.0.0/16", "fd00::/8", ""]);

  it("matches host names exactly, ignoring case and a trailing dot", () => {
    expect(allow.host("mcp.internal")).toBe(true);
    expect(allow.host("Mcp.Internal.")).toBe(true);
    expect(allow.host("other.mcp.internal")).toBe(false);
    expect(allow.host("localhost")).toBe(false);
  });

  it("matches addresses by IP and CIDR, IPv4-mapped forms included", () => {
    expect(allow.address("127.0.0.1")).toBe(true);
    expect(allow.address("::ffff:127.0.0.1")).toBe(true);
    expect(allow.address("127.0.0.2")).toBe(false);
    expect(allow.address("10.1.200.3")).toBe(true);
    expect(allow.address("10.2.0.1")).toBe(false);
    expect(allow.address("fd12::1")).toBe(true);
    expect(allow.address("fc00::1")).toBe(false);
    expect(allow.address("not an address")).toBe(false);
  });

  it("refuses entries that are neither host, IP nor CIDR", () => {
    expect(() => parseAllowList(["10.0.0.0/33"])).toThrow("not a valid CIDR");
    expect(() => parseAllowList(["*.example.com"])).toThrow("neither a host name");
  });
});
