//! The client's address: the connection's peer, or — only when that peer is a
//! proxy the operator trusts (`ZAPFLEET_TRUSTED_PROXIES`) — the address the
//! proxy reports in `X-Forwarded-For`. Trusting the header from anyone else
//! would let every request pick its own address and escape the sign-in limits.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// An address block (`10.0.0.0/8`, `::1/128`, or a single address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    network: IpAddr,
    prefix: u8,
}

impl AddressBlock {
    /// Reads `ADDRESS` or `ADDRESS/PREFIX`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { network, prefix })
    }

    /// Whether `ip` is inside the block (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<AddressBlock>);

impl TrustedProxies {
    /// Reads a comma-separated list of blocks; the bad entry if one does not parse.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| AddressBlock::parse(entry).ok_or_else(|| entry.to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the right (the
    /// hop our proxy added), the first address that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.trusts(ip) => client = ip,
                Ok(ip) => return ip,
                // A hop we cannot read: stop at the last address we could trust.
                Err(_) => return client,
            }
        }
        client
    }
}

/// The requesting client's address (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |info| info.0.ip());
        Ok(Self(state.web.trusted_proxies.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn blocks_contain_their_addresses() {
        let block = AddressBlock::parse("10.0.0.0/8").unwrap();
        assert!(block.contains(ip("10.200.1.1")));
        assert!(block.contains(ip("::ffff:10.0.0.1")));
        assert!(!block.contains(ip("11.0.0.1")));
        assert!(AddressBlock::parse("::1").unwrap().contains(ip("::1")));
        assert!(
            AddressBlock::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
        assert_eq!(AddressBlock::parse("10.0.0.0/33"), None);
        assert_eq!(AddressBlock::parse("proxy.local"), None);
        assert_eq!(TrustedProxies::parse("10.0.0.1, x"), Err("x".to_owned()));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let spoofed = forwarded("1.2.3.4");
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(trusted.client(ip("200.1.1.1"), &spoofed), ip("200.1.1.1"));
        // Through our proxy: the hop it appended is the client.
        assert_eq!(trusted.client(ip("127.0.0.1"), &spoofed), ip("1.2.3.4"));
        // A client that sends its own header through the proxy cannot pick its address.
        let chain = forwarded("6.6.6.6, 200.9.9.9, 10.1.1.1");
        assert_eq!(trusted.client(ip("127.0.0.1"), &chain), ip("200.9.9.9"));
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &forwarded("junk")),
            ip("127.0.0.1")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &spoofed),
            ip("127.0.0.1")
        );
    }
}
