//! Which IP addresses are on the public Internet. Outbound requests made for
//! users (forward webhooks, media the provider downloads) may only go there.
//!
//! An allow-list: IPv4 minus the special-purpose blocks, IPv6 only inside the
//! global unicast block `2000::/3` minus its special blocks. Anything else —
//! loopback, private, link-local, IPv4 embedded in IPv6 (`::127.0.0.1`,
//! `::ffff:…`, NAT64, 6to4, Teredo), site-local `fec0::/10`, discard `100::/64`,
//! multicast, documentation — is not global. A deny-list misses whatever
//! nobody thought of; this refuses it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 blocks that are not globally reachable (IANA special-purpose registry),
/// as (network, prefix length).
const V4_SPECIAL: [([u8; 4], u8); 15] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // carrier-grade NAT
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation TEST-NET-1
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation TEST-NET-2
    ([203, 0, 113, 0], 24),  // documentation TEST-NET-3
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, broadcast
];

/// Blocks inside `2000::/3` that are not globally reachable unicast.
const V6_SPECIAL: [([u16; 2], u8); 4] = [
    ([0x2001, 0x0000], 23), // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
    ([0x2001, 0x0db8], 32), // documentation
    ([0x2002, 0x0000], 16), // 6to4: carries an IPv4 address
    ([0x3fff, 0x0000], 20), // documentation (RFC 9637)
];

/// Whether `ip` is a globally reachable unicast address.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let address = u32::from(ip);
    !V4_SPECIAL.iter().any(|(network, bits)| {
        let mask = u32::MAX << (32 - u32::from(*bits));
        address & mask == u32::from_be_bytes(*network) & mask
    })
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let address = u128::from(ip);
    let in_block = |network: [u16; 2], bits: u8| {
        let network = (u128::from(network[0]) << 112) | (u128::from(network[1]) << 96);
        let mask = u128::MAX << (128 - u32::from(bits));
        address & mask == network & mask
    };
    in_block([0x2000, 0], 3)
        && !V6_SPECIAL
            .iter()
            .any(|(network, bits)| in_block(*network, *bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_unicast_is_global() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "200.147.67.142",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "2800:3f0:4001::1",
            "2001:200::1",
            "3ffe::1",
        ] {
            assert!(is_global(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn every_special_class_is_refused() {
        for internal in [
            // IPv4 special blocks.
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.0.170",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.10",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            // IPv6 outside 2000::/3.
            "::",
            "::1",
            "::7f00:1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "100::1",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            // Special blocks inside 2000::/3.
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "3fff::1",
        ] {
            assert!(!is_global(internal.parse().unwrap()), "{internal}");
        }
    }
}
