//! Where the portal may connect to: every outbound request (harvest, push,
//! datastore downloads of linked files, the link check) refuses addresses
//! inside the network — loopback, private, link-local (cloud metadata at
//! 169.254.169.254), carrier-grade NAT, unique-local and the like — unless
//! the operator named the host in `MISTO_OUTBOUND_ALLOW`.
//!
//! The check runs where it cannot be sidestepped: in the DNS resolver the
//! HTTP client connects through (so a name that resolves to an internal
//! address, or is rebound to one after a first check, is refused at
//! connection time), and on the URL itself for literal IP addresses, before
//! the first request and on every redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The hosts exempt from the internal-address refusal, lower-cased.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    allow: Arc<Vec<String>>,
}

/// An outbound address was refused; the message says why.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Whether an address is inside a network rather than on the internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // NAT64 to any v4
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::from([0u8; 16])
        }
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

impl Outbound {
    /// `allow`: host names or addresses (as written in URLs) that may be
    /// internal, e.g. an intranet CKAN the city harvests.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(allow: I) -> Self {
        let allow = allow
            .into_iter()
            .map(|h| {
                h.as_ref()
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_ascii_lowercase()
            })
            .filter(|h| !h.is_empty())
            .collect();
        Outbound {
            allow: Arc::new(allow),
        }
    }

    /// Every host allowed, internal ones too (tests of servers on loopback).
    pub fn allowed(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.allow.iter().any(|h| *h == host || h == "*")
    }

    /// Checks a URL before a request or a redirect: its scheme, and its host
    /// when it is a literal address (names are checked when resolved).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!(
                "{}: only http and https links are fetched",
                url.scheme()
            )));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(Refused("the link has no host".into())),
        };
        if is_internal(ip) && !self.allowed(&ip.to_string()) {
            return Err(internal_refusal(&ip.to_string()));
        }
        Ok(())
    }

    /// A resolver for the HTTP client that drops internal addresses of every
    /// host not allowed.
    pub(crate) fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver {
            outbound: self.clone(),
        })
    }
}

fn internal_refusal(host: &str) -> Refused {
    Refused(format!(
        "{host} is an address inside the network (loopback, private or link-local); \
         misto does not connect there unless the host is listed in MISTO_OUTBOUND_ALLOW"
    ))
}

pub(crate) struct GuardedResolver {
    outbound: Outbound,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allowed = self.outbound.allowed(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let total = addrs.len();
            let kept: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| allowed || !is_internal(a.ip()))
                .collect();
            if kept.is_empty() && total > 0 {
                return Err(
                    Box::new(internal_refusal(&host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "255.255.255.255",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "2a00:1450:4001::1",
            "172.32.0.1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_urls_and_the_allow_list() {
        let none = Outbound::default();
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        let err = none
            .check_url(&url("http://127.0.0.1:9/internal/secret.csv"))
            .unwrap_err();
        assert!(err.0.contains("MISTO_OUTBOUND_ALLOW"), "{err}");
        assert!(none.check_url(&url("http://[::1]/x.csv")).is_err());
        assert!(
            none.check_url(&url("http://169.254.169.254/latest/meta-data"))
                .is_err()
        );
        assert!(none.check_url(&url("file:///etc/passwd")).is_err());
        assert!(none.check_url(&url("https://data.gov.ua/x.csv")).is_ok());
        let some = Outbound::new(["127.0.0.1", "Intranet.City"]);
        assert!(some.check_url(&url("http://127.0.0.1:9/x.csv")).is_ok());
        assert!(some.allowed("intranet.city"));
        assert!(some.check_url(&url("http://10.0.0.1/x.csv")).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_internal_addresses() {
        use reqwest::dns::Resolve;
        let r = Outbound::default().resolver();
        let err = match r.resolve("localhost".parse().unwrap()).await {
            Err(e) => e.to_string(),
            Ok(_) => panic!("localhost resolved"),
        };
        assert!(err.contains("inside the network"), "{err}");
        let ok = Outbound::new(["localhost"]).resolver();
        assert!(ok.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
