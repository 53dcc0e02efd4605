//! Sessions, CSRF tokens and login throttling for the publisher workspace.
//!
//! A session is a stateless cookie `misto_session`:
//! `{user id}.{expiry, unix seconds}.{password fingerprint}.{signature}`,
//! signed with HMAC-SHA256 under the portal's `session_key`. The password
//! fingerprint is an HMAC of the stored password hash, so changing the
//! password ends every older session. CSRF tokens are an HMAC of the
//! session cookie (or, before login, of a random `misto_pre` cookie), sent
//! in a hidden field of every form and compared in constant time.
//!
//! Login throttling is in memory only: failures per user name and per
//! client address, forgotten after a quiet period; nothing is stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use misto_actions::Portal;
use misto_actions::accounts::system_viewer;
use misto_core::{User, Viewer};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "misto_session";
pub const PRE_COOKIE: &str = "misto_pre";
/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

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

fn password_fingerprint(key: &[u8], user: &User) -> String {
    let hash = user.password_hash.as_deref().unwrap_or("");
    sign(key, "password", hash)[..16].to_string()
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

/// The value of a fresh session cookie for `user`.
pub fn issue(key: &[u8], user: &User, now_unix: i64) -> String {
    let expires = now_unix + SESSION_LIFETIME.as_secs() as i64;
    let data = format!(
        "{}.{}.{}",
        user.id,
        expires,
        password_fingerprint(key, user)
    );
    let sig = sign(key, "session", &data);
    format!("{data}.{sig}")
}

/// The user id of a well-signed, unexpired cookie value (the password
/// fingerprint is checked by [`resolve`], which loads the user).
fn verify(key: &[u8], value: &str, now_unix: i64) -> Option<(String, String)> {
    let (data, sig) = value.rsplit_once('.')?;
    let expected = sign(key, "session", data);
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
        return None;
    }
    let mut parts = data.split('.');
    let user_id = parts.next()?.to_string();
    let expires: i64 = parts.next()?.parse().ok()?;
    let fingerprint = parts.next()?.to_string();
    if parts.next().is_some() || expires <= now_unix {
        return None;
    }
    Some((user_id, fingerprint))
}

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct Session {
    pub viewer: Viewer,
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
}

/// The session of a request, if its cookie is valid and the account active
/// with the same password as when the cookie was issued.
pub async fn resolve(portal: &Portal, headers: &HeaderMap) -> Option<Session> {
    let value = cookie(headers, SESSION_COOKIE)?;
    let key = &portal.config().session_key;
    let (user_id, fingerprint) = verify(key, value, chrono::Utc::now().timestamp())?;
    let user = portal
        .find_user_for(&system_viewer(), &user_id)
        .await
        .ok()?;
    if !constant_time_eq(
        password_fingerprint(key, &user).as_bytes(),
        fingerprint.as_bytes(),
    ) {
        return None;
    }
    let viewer = portal.viewer_for_user(&user.id).await.ok()?;
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

/// Failed logins per user name and per client address, in memory.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Failures allowed before waiting.
pub const FREE_FAILURES: u32 = 5;
/// Longest wait, and how long failures are remembered.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    fn keys(user: &str, addr: Option<&str>) -> Vec<String> {
        let mut k = vec![format!("user:{}", user.trim().to_lowercase())];
        if let Some(a) = addr {
            k.push(format!("addr:{a}"));
        }
        k
    }

    fn wait_for(failures: u32, last: Instant, now: Instant) -> Option<Duration> {
        if failures < FREE_FAILURES {
            return None;
        }
        let exp = (failures - FREE_FAILURES).min(10);
        let wait = Duration::from_secs(1u64 << exp).min(MAX_WAIT);
        let until = last + wait;
        (until > now).then(|| until - now)
    }

    /// How long this user name or address must wait before trying again.
    pub fn check(&self, user: &str, addr: Option<&str>) -> Option<Duration> {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(user, addr)
            .iter()
            .filter_map(|k| map.get(k))
            .filter_map(|(n, last)| Self::wait_for(*n, *last, now))
            .max()
    }

    pub fn failed(&self, user: &str, addr: Option<&str>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (_, last)| now.duration_since(*last) < MAX_WAIT);
        }
        for k in Self::keys(user, addr) {
            let e = map.entry(k).or_insert((0, now));
            if now.duration_since(e.1) >= MAX_WAIT {
                e.0 = 0;
            }
            e.0 += 1;
            e.1 = now;
        }
    }

    pub fn succeeded(&self, user: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("user:{}", user.trim().to_lowercase()));
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
    fn throttle_waits_after_five_failures() {
        let t = Throttle::default();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("Editor", Some("1.2.3.4")).is_none());
            t.failed("editor", Some("1.2.3.4"));
        }
        assert!(t.check("editor", None).is_some());
        assert!(t.check("other", Some("1.2.3.4")).is_some());
        assert!(t.check("other", Some("5.6.7.8")).is_none());
    }
}
