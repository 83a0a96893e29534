//! Outbound webhook URLs must not reach into the server's own network: loopback,
//! private, link-local and similar addresses are refused unless the admin allows
//! them (`ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS=true`).

use std::net::{IpAddr, Ipv4Addr};

/// Why a webhook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute http(s) URL with a host.
    #[error("not an http(s) URL")]
    Malformed,
    /// The host does not resolve.
    #[error("the host does not resolve")]
    Unresolvable,
    /// The host is (or resolves to) an internal address.
    #[error("the address {0} is internal (loopback, private or link-local)")]
    Internal(IpAddr),
}

/// Whether an address belongs to this machine or a private network.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
}

/// Checks a webhook URL: http(s), resolvable, and (unless `allow_private`) to
/// public addresses only. Called when the URL is saved and again before each
/// delivery, since DNS answers can change.
pub async fn check_url(url: &str, allow_private: bool) -> Result<(), UrlRefusal> {
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlRefusal::Malformed)?;
    if !matches!(parsed.scheme(), "http" | "https") || url.len() > 2048 {
        return Err(UrlRefusal::Malformed);
    }
    let host = parsed
        .host_str()
        .ok_or(UrlRefusal::Malformed)?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| UrlRefusal::Unresolvable)?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(UrlRefusal::Unresolvable);
    }
    if !allow_private && let Some(ip) = addresses.into_iter().find(|ip| is_internal(*ip)) {
        return Err(UrlRefusal::Internal(ip));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_internal_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.10",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "200.147.67.142", "2001:4860:4860::8888"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn refuses_internal_and_odd_urls_unless_allowed() {
        assert_eq!(
            check_url("http://127.0.0.1:9/hook", false).await,
            Err(UrlRefusal::Internal("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            check_url("http://[::1]/hook", false).await,
            Err(UrlRefusal::Internal("::1".parse().unwrap()))
        );
        assert!(matches!(
            check_url("http://localhost/hook", false).await,
            Err(UrlRefusal::Internal(_))
        ));
        assert_eq!(
            check_url("ftp://example.com/x", false).await,
            Err(UrlRefusal::Malformed)
        );
        assert_eq!(
            check_url("not a url", false).await,
            Err(UrlRefusal::Malformed)
        );
        assert_eq!(
            check_url("http://169.254.169.254/latest/meta-data", false).await,
            Err(UrlRefusal::Internal("169.254.169.254".parse().unwrap()))
        );
        assert_eq!(check_url("http://127.0.0.1:9/hook", true).await, Ok(()));
        assert_eq!(check_url("https://8.8.8.8/hook", false).await, Ok(()));
    }
}
