//! Outbound URLs given by users (forward webhooks, media the provider downloads)
//! must not reach into the server's own network: only globally reachable unicast
//! addresses are allowed (see [`is_global`]) unless the admin allows private ones
//! (`ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS=true`).
//!
//! Checking a name when a URL is saved is not enough: a name can answer with a
//! public address to the check and a loopback one to the connection (DNS
//! rebinding). So the webhook client resolves names with [`GuardedResolver`],
//! which refuses non-global answers, and connects only to the addresses it
//! checked. IP-literal URLs never reach a resolver: [`check_url`] checks those.

use crate::domain::public_ip::is_global;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// Longest outbound URL accepted.
const MAX_URL_BYTES: usize = 2048;

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute http(s) URL with a host, too long, or with control characters.
    #[error("not an http(s) URL")]
    Malformed,
    /// The host does not resolve.
    #[error("the host does not resolve")]
    Unresolvable,
    /// The host is (or resolves to) an address that is not globally reachable.
    #[error("the address {0} is internal (not a global unicast address)")]
    Internal(IpAddr),
}

/// Whether an address belongs to this machine, a private network or any other
/// non-global range.
pub fn is_internal(ip: IpAddr) -> bool {
    !is_global(ip)
}

/// Resolves `host`, refusing the name when any answer is internal (unless
/// `allow_private`): one bad answer is enough to distrust the name.
async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, UrlRefusal> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| UrlRefusal::Unresolvable)?
        .collect();
    if addresses.is_empty() {
        return Err(UrlRefusal::Unresolvable);
    }
    if !allow_private && let Some(bad) = addresses.iter().find(|a| is_internal(a.ip())) {
        return Err(UrlRefusal::Internal(bad.ip()));
    }
    Ok(addresses)
}

/// The parsed URL's host, when it is an http(s) URL of sane length.
fn http_host(url: &str) -> Result<(reqwest::Url, String), UrlRefusal> {
    if url.len() > MAX_URL_BYTES || url.chars().any(char::is_control) {
        return Err(UrlRefusal::Malformed);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| UrlRefusal::Malformed)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlRefusal::Malformed);
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(UrlRefusal::Malformed)?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((parsed, host))
}

/// Checks a URL: http(s), no control characters, resolvable, and (unless
/// `allow_private`) to global addresses only. Called when a webhook URL is saved
/// and before each delivery, for a clear refusal; the client's own resolver
/// enforces the same rule at connection time.
pub async fn check_url(url: &str, allow_private: bool) -> Result<(), UrlRefusal> {
    let (parsed, host) = http_host(url)?;
    match host.parse::<IpAddr>() {
        Ok(ip) if !allow_private && is_internal(ip) => Err(UrlRefusal::Internal(ip)),
        Ok(_) => Ok(()),
        Err(_) => {
            let port = parsed.port_or_known_default().unwrap_or(443);
            resolve(&host, port, allow_private).await.map(|_| ())
        }
    }
}

/// Checks a media URL the provider will download. The provider fetches it, not
/// us, so with private addresses allowed a name that does not resolve from here
/// is accepted; otherwise it is checked like a webhook URL.
pub async fn check_media_url(url: &str, allow_private: bool) -> Result<(), UrlRefusal> {
    if allow_private {
        return http_host(url).map(|_| ());
    }
    check_url(url, false).await
}

/// Resolves names for the webhook client, refusing non-global answers.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Let names resolve to internal addresses.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: the client puts the URL's port in.
            let addresses = resolve(&host, 0, allow_private).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// The client that posts forward webhooks: no redirects (a redirect could lead
/// anywhere), no proxy from the environment (the proxy would resolve the name
/// itself), and names resolved by [`GuardedResolver`].
pub fn webhook_client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(GuardedResolver { allow_private })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
        assert_eq!(
            check_url("http://[::7f00:1]/hook", false).await,
            Err(UrlRefusal::Internal("::7f00:1".parse().unwrap()))
        );
        assert!(matches!(
            check_url("http://localhost/hook", false).await,
            Err(UrlRefusal::Internal(_))
        ));
        for malformed in [
            "ftp://example.com/x",
            "not a url",
            "http://8.8.8.8/a\r\nHost: evil",
            "http://8.8.8.8/a\u{7f}",
        ] {
            assert_eq!(
                check_url(malformed, false).await,
                Err(UrlRefusal::Malformed),
                "{malformed:?}"
            );
        }
        assert_eq!(
            check_url("http://169.254.169.254/latest/meta-data", false).await,
            Err(UrlRefusal::Internal("169.254.169.254".parse().unwrap()))
        );
        assert_eq!(check_url("http://127.0.0.1:9/hook", true).await, Ok(()));
        assert_eq!(check_url("https://8.8.8.8/hook", false).await, Ok(()));
    }

    #[tokio::test]
    async fn media_urls_are_only_parsed_when_private_addresses_are_allowed() {
        assert_eq!(
            check_media_url("https://no-such-host.invalid/a.png", true).await,
            Ok(())
        );
        assert_eq!(
            check_media_url("https://no-such-host.invalid/a.png", false).await,
            Err(UrlRefusal::Unresolvable)
        );
        assert_eq!(
            check_media_url("https://8.8.8.8/a\n.png", true).await,
            Err(UrlRefusal::Malformed)
        );
    }

    /// A listener on loopback that counts the connections it accepts.
    async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buffer = [0_u8; 4096];
                    let _ = socket.read(&mut buffer).await;
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        (port, accepted)
    }

    /// The rebinding attack skips the pre-check (the name answered with a public
    /// address then); the client itself must still refuse to connect.
    #[tokio::test]
    async fn the_webhook_client_never_connects_to_a_name_that_resolves_internally() {
        let (port, accepted) = counting_listener().await;
        let guarded = webhook_client(false).unwrap();
        let refused = guarded
            .post(format!("http://localhost:{port}/hook"))
            .body("{}")
            .send()
            .await;
        assert!(refused.is_err(), "the guarded client reached loopback");
        assert_eq!(accepted.load(Ordering::SeqCst), 0);

        // The same request through a client that allows private addresses
        // arrives: the listener works, so the refusal above is the guard's.
        let open = webhook_client(true).unwrap();
        let delivered = open
            .post(format!("http://localhost:{port}/hook"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(delivered.status().is_success());
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}
