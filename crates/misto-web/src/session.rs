//! Sessions, CSRF tokens and login throttling for the publisher workspace.
//!
//! A session is a cookie `misto_session` holding a random secret; the
//! store keeps its SHA-256 with the user and expiry
//! (`Portal::start_session`, checked on every request by
//! `Portal::viewer_for_session`). Logging out deletes it; a password change,
//! lost rights or a blocked account delete every session of the user. CSRF
//! tokens are an HMAC of the session cookie (or, before login, of a random
//! `misto_pre` cookie) under the portal's `session_key`, sent in a hidden
//! field of every form and compared in constant time.
//!
//! Login throttling is in memory only: failures per user name and per
//! client address, forgotten after a quiet period; nothing is stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use misto_actions::Portal;
use misto_core::{User, Viewer};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "misto_session";
pub const PRE_COOKIE: &str = "misto_pre";
/// How long a session lasts.
pub use misto_actions::accounts::SESSION_LIFETIME;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn sign(key: &[u8], purpose: &str, data: &str) -> String {
    hex::encode(hmac(key, format!("{purpose}\n{data}").as_bytes()))
}

/// A cookie value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Starts a session for `user` (who has just proved who they are) and
/// returns the cookie's value.
pub async fn issue(portal: &Portal, user: &User) -> Result<String, misto_actions::ActionError> {
    portal.start_session(user).await
}

/// Ends the session of this request's cookie, if any (logging out).
pub async fn end(portal: &Portal, headers: &HeaderMap) -> Result<(), misto_actions::ActionError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(value) => portal.end_session(value).await,
        None => Ok(()),
    }
}

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
}

/// The session of a request, if its cookie names a session the store still
/// holds, unexpired, of an active account (checked on every request, so a
/// logout, a password change or lost rights end it at once).
pub async fn resolve(portal: &Portal, headers: &HeaderMap) -> Option<Session> {
    let value = cookie(headers, SESSION_COOKIE)?;
    let (viewer, user) = match portal.viewer_for_session(value).await {
        Ok(x) => x,
        Err(misto_actions::ActionError::NotAuthorized(_)) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "could not check a session");
            return None;
        }
    };
    Some(Session {
        viewer,
        user_id: user.id.clone(),
        display_name: user
            .fullname
            .clone()
            .filter(|f| !f.trim().is_empty())
            .unwrap_or_else(|| user.name.clone()),
        user_name: user.name,
    })
}

/// The CSRF token for forms of this request: bound to the session cookie,
/// or before login to the `misto_pre` cookie.
pub fn csrf_token(key: &[u8], headers: &HeaderMap, fresh_pre: Option<&str>) -> String {
    let basis = match cookie(headers, SESSION_COOKIE) {
        Some(s) => format!("session:{s}"),
        None => match fresh_pre.or_else(|| cookie(headers, PRE_COOKIE)) {
            Some(p) => format!("pre:{p}"),
            None => return String::new(),
        },
    };
    sign(key, "csrf", &basis)[..40].to_string()
}

/// Whether `token` is the CSRF token of this request.
pub fn csrf_ok(key: &[u8], headers: &HeaderMap, token: &str) -> bool {
    let expected = csrf_token(key, headers, None);
    !expected.is_empty() && constant_time_eq(expected.as_bytes(), token.trim().as_bytes())
}

/// Whether the `Origin` (or, failing that, `Referer`) of a POST is this
/// site. Requests without either are let through (the CSRF token and
/// SameSite cookies still apply).
pub fn same_origin(site_url: &str, headers: &HeaderMap) -> bool {
    let origin_of = |u: &str| -> Option<String> {
        let (scheme, rest) = u.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ))
    };
    let claimed = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some("null") => return false,
        Some(o) => origin_of(o),
        None => match headers.get(header::REFERER).and_then(|v| v.to_str().ok()) {
            Some(r) => origin_of(r),
            None => return true,
        },
    };
    let Some(claimed) = claimed else {
        return false;
    };
    if origin_of(site_url).is_some_and(|s| s == claimed) {
        return true;
    }
    // Served under another name than the configured URL (a proxy, tests):
    // the request's own Host counts as this site.
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            claimed == format!("http://{h}") || claimed == format!("https://{h}")
        })
}

/// `Set-Cookie` for a session (or its removal with `None`).
pub fn session_cookie(site_url: &str, value: Option<&str>) -> HeaderValue {
    let secure = if site_url.to_ascii_lowercase().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let s = match value {
        Some(v) => format!(
            "{SESSION_COOKIE}={v}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            SESSION_LIFETIME.as_secs()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
    };
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` for the pre-login CSRF basis.
pub fn pre_cookie(site_url: &str, value: &str) -> HeaderValue {
    let secure = if site_url.to_ascii_lowercase().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let s = format!("{PRE_COOKIE}={value}; Path=/; Max-Age=7200; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// 16 random bytes as hex.
pub fn random_hex() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // Unpredictable enough for a CSRF basis without OS randomness.
        let t = format!("{:?}{:?}", Instant::now(), std::thread::current().id());
        return hex::encode(&Sha256::digest(t.as_bytes())[..16]);
    }
    hex::encode(b)
}

/// Failed logins per account and per client address, in memory, counted
/// apart: an account is held back after a few failures (whatever the
/// address), an address only after many (a city office's staff share one),
/// so one account hammered does not lock out the others behind its
/// address, while a spray over many accounts from one address is stopped.
/// Each wait doubles with every further failure, up to [`MAX_WAIT`].
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Failures of one account before it waits.
pub const FREE_FAILURES: u32 = 5;
/// Failures from one address (over any accounts) before it waits.
pub const FREE_ADDRESS_FAILURES: u32 = 50;
/// Longest wait, and how long failures are remembered.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most; past it, the least telling ones are forgotten.
const MAX_ENTRIES: usize = 50_000;

/// What holds a login back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Account(Duration),
    Address(Duration),
}

impl Held {
    pub fn wait(self) -> Duration {
        match self {
            Held::Account(d) | Held::Address(d) => d,
        }
    }
}

fn account_key(user: &str) -> String {
    format!("user:{}", user.trim().to_lowercase())
}

fn address_key(addr: &str) -> String {
    format!("addr:{addr}")
}

impl Throttle {
    fn wait_for(failures: u32, free: u32, last: Instant, now: Instant) -> Option<Duration> {
        if failures < free {
            return None;
        }
        let exp = (failures - free).min(10);
        let wait = Duration::from_secs(1u64 << exp).min(MAX_WAIT);
        let until = last + wait;
        (until > now).then(|| until - now)
    }

    fn held(&self, key: &str, free: u32, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .and_then(|(n, last)| Self::wait_for(*n, free, *last, now))
    }

    /// Whether this account or address must wait before trying again, and
    /// how long.
    pub fn check(&self, user: &str, addr: Option<&str>) -> Option<Held> {
        let now = Instant::now();
        let account = self
            .held(&account_key(user), FREE_FAILURES, now)
            .map(Held::Account);
        let address = addr
            .and_then(|a| self.held(&address_key(a), FREE_ADDRESS_FAILURES, now))
            .map(Held::Address);
        match (account, address) {
            (Some(a), Some(b)) => Some(if a.wait() >= b.wait() { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// Counts a failed login of `user` from `addr`.
    pub fn failed(&self, user: &str, addr: Option<&str>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, last)| now.duration_since(*last) < MAX_WAIT);
        }
        if map.len() >= MAX_ENTRIES {
            // A spray over many names: keep what holds someone back.
            map.retain(|k, (n, _)| {
                *n >= FREE_FAILURES && (k.starts_with("user:") || *n >= FREE_ADDRESS_FAILURES / 2)
            });
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        let keys = std::iter::once(account_key(user)).chain(addr.map(address_key));
        for k in keys {
            let e = map.entry(k).or_insert((0, now));
            if now.duration_since(e.1) >= MAX_WAIT {
                e.0 = 0;
            }
            e.0 += 1;
            e.1 = now;
        }
    }

    /// A successful login clears the account's failures (not the
    /// address's: one good account must not hide a spray over others).
    pub fn succeeded(&self, user: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&account_key(user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        let mac = hmac(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn origins() {
        let mut h = HeaderMap::new();
        assert!(same_origin("http://x.org", &h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin("http://x.org", &h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://x.org"));
        assert!(same_origin("http://x.org/", &h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin("http://x.org", &h));
    }

    #[test]
    fn throttle_holds_the_account_and_only_much_later_the_address() {
        let t = Throttle::default();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("Editor", Some("1.2.3.4")).is_none());
            t.failed("editor", Some("1.2.3.4"));
        }
        assert!(matches!(t.check("editor", None), Some(Held::Account(_))));
        assert!(matches!(
            t.check("EDITOR", Some("5.6.7.8")),
            Some(Held::Account(_))
        ));
        // Another account from the same address is not held.
        assert!(t.check("other", Some("1.2.3.4")).is_none());
        // A spray over many accounts from one address is.
        for i in 0..FREE_ADDRESS_FAILURES {
            t.failed(&format!("user{i}"), Some("1.2.3.4"));
        }
        assert!(matches!(
            t.check("other", Some("1.2.3.4")),
            Some(Held::Address(_))
        ));
        assert!(t.check("other", Some("5.6.7.8")).is_none());
        t.succeeded("editor");
        assert!(t.check("editor", Some("5.6.7.8")).is_none());
    }

    #[test]
    fn waits_double_up_to_the_longest() {
        let t0 = Instant::now();
        let w = |n| Throttle::wait_for(n, FREE_FAILURES, t0, t0);
        assert_eq!(w(FREE_FAILURES - 1), None);
        assert_eq!(w(FREE_FAILURES), Some(Duration::from_secs(1)));
        assert_eq!(w(FREE_FAILURES + 3), Some(Duration::from_secs(8)));
        assert_eq!(w(FREE_FAILURES + 40), Some(MAX_WAIT));
        assert_eq!(
            Throttle::wait_for(
                FREE_FAILURES,
                FREE_FAILURES,
                t0,
                t0 + Duration::from_secs(2)
            ),
            None
        );
    }
}
