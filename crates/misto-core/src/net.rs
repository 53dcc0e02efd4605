//! Client addresses behind reverse proxies: which peers are trusted proxies
//! (single addresses or CIDR ranges) and the client address they report in
//! `X-Forwarded-For`. No IO.

use std::net::IpAddr;

/// One address or a CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `ADDRESS` or `ADDRESS/PREFIX`.
    pub fn parse(s: &str) -> Option<IpRange> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let base: IpAddr = addr.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpRange { base, prefix })
    }

    /// Parses a comma- or space-separated list; the first entry that is not
    /// an address or range is the error.
    pub fn parse_list(s: &str) -> Result<Vec<IpRange>, String> {
        s.split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| IpRange::parse(p).ok_or_else(|| p.to_string()))
            .collect()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmap(ip);
        match (unmap(self.base), ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(b) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(b) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) as plain IPv4.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy;
/// then the right-most address of `X-Forwarded-For` (all its headers, in
/// order) that is not itself a trusted proxy. A malformed entry stops the
/// walk there (the client could have written anything left of it), and the
/// last trusted hop is taken.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[IpRange],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    let peer = unmap(peer);
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, maybe with a port
/// (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(unmap(ip));
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(unmap);
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges() {
        for (range, addr, inside) in [
            ("10.0.0.0/8", "10.200.1.1", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.1.5", "192.168.1.5", true),
            ("192.168.1.5", "192.168.1.6", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("fd00::/8", "fd12::1", true),
            ("fd00::/8", "fe80::1", false),
            ("127.0.0.1", "::ffff:127.0.0.1", true),
            ("::1", "127.0.0.1", false),
        ] {
            let r = IpRange::parse(range).unwrap();
            assert_eq!(r.contains(ip(addr)), inside, "{range} ∋ {addr}");
        }
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        assert!(IpRange::parse("proxy.local").is_none());
        assert_eq!(
            IpRange::parse_list("127.0.0.1, 10.0.0.0/8").unwrap().len(),
            2
        );
        assert_eq!(IpRange::parse_list("127.0.0.1,nope"), Err("nope".into()));
        assert_eq!(IpRange::parse_list("").unwrap(), vec![]);
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = IpRange::parse_list("10.0.0.1, 10.0.1.0/24").unwrap();
        let check = |peer: &str, xff: &[&str], want: &str| {
            assert_eq!(
                client_address(ip(peer), xff.iter().copied(), &trusted),
                ip(want),
                "{peer} {xff:?}"
            );
        };
        // Not a proxy: the header is the client's own claim.
        check("203.0.113.9", &["198.51.100.1"], "203.0.113.9");
        // The proxy reports the client.
        check("10.0.0.1", &["198.51.100.1"], "198.51.100.1");
        // A client's forged entry left of the real one is ignored.
        check("10.0.0.1", &["1.1.1.1, 198.51.100.1"], "198.51.100.1");
        // Two trusted hops, two headers.
        check("10.0.0.1", &["198.51.100.1", "10.0.1.7"], "198.51.100.1");
        // Ports, IPv6 in brackets.
        check("10.0.0.1", &["198.51.100.1:4711"], "198.51.100.1");
        check("10.0.0.1", &["[2001:db8::1]:80"], "2001:db8::1");
        // Garbage: the last trusted hop.
        check("10.0.0.1", &["nonsense"], "10.0.0.1");
        check("10.0.0.1", &[], "10.0.0.1");
        // Without trusted proxies nothing changes.
        assert_eq!(
            client_address(ip("10.0.0.1"), ["198.51.100.1"], &[]),
            ip("10.0.0.1")
        );
    }
}
