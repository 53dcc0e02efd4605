//! Test support: an SMTP sink on a local port that accepts every message
//! (or refuses recipients with a given code) and keeps what it received,
//! with the subject and plain-text body decoded. It speaks just enough SMTP
//! for lettre: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA (headers and encoded body).
    pub data: String,
}

impl Received {
    /// The value of a header (unfolded, encoded words decoded).
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_message(&self.data);
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = unfolded.last_mut() {
                    last.push_str(line);
                }
            } else {
                unfolded.push(line.to_owned());
            }
        }
        unfolded.iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| decode_words(v.trim()))
        })
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The body with its transfer encoding undone.
    pub fn text(&self) -> String {
        let (_, body) = split_message(&self.data);
        let cte = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match cte.as_str() {
            "base64" => base64_decode(body),
            "quoted-printable" => qp_decode(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }
}

fn split_message(data: &str) -> (&str, &str) {
    match data.find("\r\n\r\n") {
        Some(i) => (&data[..i], &data[i + 4..]),
        None => (data, ""),
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`);
/// white space between two encoded words is dropped.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let Some(end) = rest[start + 2..].find("?=").map(|e| start + 2 + e) else {
            break;
        };
        let word = &rest[start + 2..end];
        let mut parts = word.splitn(3, '?');
        let (_charset, enc, text) = match (parts.next(), parts.next(), parts.next()) {
            (Some(c), Some(e), Some(t)) => (c, e, t),
            _ => break,
        };
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let bytes = if enc.eq_ignore_ascii_case("b") {
            base64_decode(text)
        } else {
            qp_decode(&text.replace('_', " "))
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        last_was_word = true;
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn qp_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            let hex = std::str::from_utf8(b.get(i + 1..i + 3).unwrap_or(b"")).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[derive(Default)]
struct State {
    messages: Vec<Received>,
    /// When set, RCPT is answered with this line (e.g. `550 no such user`).
    refuse_rcpt: Option<String>,
}

/// A running sink. Dropping it leaves the task running until the test's
/// runtime ends.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    /// Starts a sink on `127.0.0.1` and a free port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = session(sock, st).await;
                });
            }
        });
        Ok(Self { port, state })
    }

    /// Refuse every recipient from now on with `reply` (e.g. `550 5.1.1 no
    /// such user`).
    pub fn refuse_recipients(&self, reply: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.refuse_rcpt = Some(reply.to_owned());
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.state
            .lock()
            .map(|s| s.messages.clone())
            .unwrap_or_default()
    }

    /// Waits up to `timeout` until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let m = self.messages();
            if m.len() >= n || tokio::time::Instant::now() >= deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn session(sock: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut current = Received {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: String::new(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let verb = cmd
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8".into(),
            "HELO" => "250 sink.test".into(),
            "MAIL" => {
                current.mail_from = angle(&cmd);
                current.rcpt_to.clear();
                "250 OK".into()
            }
            "RCPT" => {
                let refuse = state.lock().ok().and_then(|s| s.refuse_rcpt.clone());
                match refuse {
                    Some(reply) => reply,
                    None => {
                        current.rcpt_to.push(angle(&cmd));
                        "250 OK".into()
                    }
                }
            }
            "DATA" => {
                w.write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l);
                }
                current.data = data;
                if let Ok(mut s) = state.lock() {
                    s.messages.push(current.clone());
                }
                "250 OK queued".into()
            }
            "RSET" | "NOOP" => "250 OK".into(),
            "QUIT" => {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 not implemented".into(),
        };
        w.write_all(reply.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
    }
}

fn angle(cmd: &str) -> String {
    match (cmd.find('<'), cmd.find('>')) {
        (Some(a), Some(b)) if b > a => cmd[a + 1..b].to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encoded_words_and_bodies() {
        assert_eq!(
            decode_words("=?utf-8?b?0J/RgNC40LLRltGC?= =?utf-8?b?IQ==?="),
            "Привіт!"
        );
        assert_eq!(decode_words("Re: =?UTF-8?Q?caf=C3=A9_ok?="), "Re: café ok");
        assert_eq!(qp_decode("a=3Db=\r\nc"), b"a=bc");
        assert_eq!(base64_decode("0J/RgNC40LLRltGC"), "Привіт".as_bytes());
    }
}
