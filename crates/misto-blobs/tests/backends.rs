//! The same checks on every backend: the local folder always, and an
//! S3-compatible server when `MISTO_TEST_S3_URL` names a bucket on it
//! (`s3://bucket`; the server and credentials come from the usual `AWS_*`
//! variables). `scripts/test-s3.sh` starts a local server (moto) and runs
//! these with it; without the variable the S3 half is skipped.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use misto_blobs::object_store::ObjectStoreExt;
use misto_blobs::{BlobError, BlobStore};
use sha2::{Digest, Sha256};

struct Case {
    name: &'static str,
    store: BlobStore,
    // Keeps the folders of the case until it ends.
    _dir: tempfile::TempDir,
}

/// A fresh store of each backend (S3: a new prefix of the test bucket).
async fn cases() -> Vec<Case> {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = BlobStore::local(dir.path().join("files"))
        .await
        .expect("local store");
    let mut out = vec![Case {
        name: "local",
        store: local,
        _dir: dir,
    }];
    match std::env::var("MISTO_TEST_S3_URL") {
        Ok(base) if !base.is_empty() => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!(
                "{}/t-{}",
                base.trim_end_matches('/'),
                uuid::Uuid::new_v4().simple()
            );
            let store = BlobStore::s3(&url, dir.path().join("tmp"))
                .await
                .unwrap_or_else(|e| panic!("S3 store {url}: {e}"));
            out.push(Case {
                name: "s3",
                store,
                _dir: dir,
            });
        }
        _ => eprintln!("MISTO_TEST_S3_URL is not set: S3 checks skipped"),
    }
    out
}

/// `len` bytes that are not all alike, in chunks of `chunk` bytes.
fn body(len: usize, chunk: usize) -> (Vec<u8>, Vec<Bytes>) {
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    let chunks = data.chunks(chunk).map(Bytes::copy_from_slice).collect();
    (data, chunks)
}

fn ok_stream(chunks: Vec<Bytes>) -> impl futures_util::Stream<Item = io::Result<Bytes>> {
    futures_util::stream::iter(chunks.into_iter().map(Ok))
}

async fn read_stream(store: &BlobStore, key: &str) -> Vec<u8> {
    let mut r = store.open(key).await.expect("open");
    let mut got = Vec::new();
    while let Some(chunk) = r.stream.next().await {
        got.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(got.len() as u64, r.size);
    got
}

#[tokio::test]
async fn put_read_exists_delete() {
    for c in cases().await {
        let s = &c.store;
        let key = "uploads/a1/data.csv";
        let put = s
            .put_bytes(key, Bytes::from_static(b"a,b\n1,2\n"))
            .await
            .expect(c.name);
        assert_eq!(put.size, 8, "{}", c.name);
        assert_eq!(
            put.sha256,
            hex::encode(Sha256::digest(b"a,b\n1,2\n")),
            "{}",
            c.name
        );
        assert!(s.exists(key).await.unwrap(), "{}", c.name);
        assert_eq!(s.read_all(key).await.unwrap(), b"a,b\n1,2\n", "{}", c.name);
        assert_eq!(read_stream(s, key).await, b"a,b\n1,2\n", "{}", c.name);
        // An empty blob is a blob.
        let empty = s.put_bytes("uploads/a1/empty", Bytes::new()).await.unwrap();
        assert_eq!(empty.size, 0);
        assert_eq!(s.read_all("uploads/a1/empty").await.unwrap(), b"");
        // The object_store view holds the same bytes at object_path.
        let path = s.object_path(key).unwrap();
        let via = s.object_store().get(&path).await.unwrap().bytes().await;
        assert_eq!(&via.unwrap()[..], b"a,b\n1,2\n", "{}", c.name);
        s.delete(key).await.unwrap();
        assert!(!s.exists(key).await.unwrap(), "{}", c.name);
        s.delete(key)
            .await
            .expect("deleting a missing blob is no error");
        assert!(matches!(s.open(key).await, Err(BlobError::NotFound(_))));
        assert!(matches!(s.read_all(key).await, Err(BlobError::NotFound(_))));
        assert!(matches!(
            s.local_copy(key).await,
            Err(BlobError::NotFound(_))
        ));
        // A "folder" of blobs is not a blob.
        assert!(!s.exists("uploads/a1").await.unwrap(), "{}", c.name);
    }
}

#[tokio::test]
async fn large_upload_round_trip_and_local_copy() {
    // Over the S3 backend's 8 MiB part size: a multipart upload of 3 parts.
    let (data, chunks) = body(17 * 1024 * 1024 + 123, 64 * 1024);
    for c in cases().await {
        let s = &c.store;
        let key = "uploads/big/table.csv";
        let put = s
            .put_stream(key, ok_stream(chunks.clone()), data.len() as u64)
            .await
            .expect(c.name);
        assert_eq!(put.size, data.len() as u64);
        assert_eq!(put.sha256, hex::encode(Sha256::digest(&data)), "{}", c.name);
        assert!(read_stream(s, key).await == data, "{}: streamed", c.name);
        assert!(s.read_all(key).await.unwrap() == data, "{}: read", c.name);
        let copy = s.local_copy(key).await.expect("local copy");
        assert!(std::fs::read(copy.path()).unwrap() == data, "{}", c.name);
        assert!(copy.path().to_string_lossy().ends_with("table.csv"));
        let path = copy.path().to_path_buf();
        let temporary = copy.is_temporary();
        assert_eq!(temporary, c.name == "s3");
        drop(copy);
        // A copy goes with its guard; the blob's own file stays.
        assert_eq!(path.exists(), !temporary, "{}", c.name);
        assert!(s.exists(key).await.unwrap());
        match c.name {
            "local" => assert_eq!(s.local_path(key).unwrap(), path),
            _ => assert!(matches!(s.local_path(key), Err(BlobError::NotLocal(_)))),
        }
    }
}

#[tokio::test]
async fn failed_and_interrupted_uploads_leave_nothing() {
    for c in cases().await {
        let s = &c.store;
        // Too large, found in the first part and after parts were sent.
        let (_, small) = body(1200, 600);
        let err = s.put_stream("f/small", ok_stream(small), 1000).await;
        assert!(matches!(err, Err(BlobError::TooLarge { limit: 1000 })));
        let (_, big) = body(12 * 1024 * 1024, 256 * 1024);
        let limit = 10 * 1024 * 1024;
        let err = s.put_stream("f/big", ok_stream(big.clone()), limit).await;
        assert!(
            matches!(err, Err(BlobError::TooLarge { limit: l }) if l == limit),
            "{}",
            c.name
        );
        // The client goes away after 9 MiB (a multipart upload on S3).
        let broken = ok_stream(big[..36].to_vec())
            .chain(futures_util::stream::iter([Err(io::Error::other("gone"))]));
        let err = s.put_stream("f/broken", broken, u64::MAX).await;
        assert!(matches!(err, Err(BlobError::Source(_))), "{}", c.name);
        // The upload's future is dropped while it waits for more.
        let stalled = ok_stream(big[..36].to_vec()).chain(futures_util::stream::pending());
        let put = s.put_stream("f/stalled", stalled, u64::MAX);
        assert!(
            tokio::time::timeout(Duration::from_secs(3), put)
                .await
                .is_err()
        );
        for key in ["f/small", "f/big", "f/broken", "f/stalled"] {
            assert!(!s.exists(key).await.unwrap(), "{}: {key}", c.name);
        }
        // Nothing at all under the prefix, as object_store lists it.
        let under = s.object_path("f").unwrap();
        let listed: Vec<_> = s.object_store().list(Some(&under)).collect().await;
        assert!(listed.is_empty(), "{}: {listed:?}", c.name);
        if let Some(root) = s.root() {
            let left = std::fs::read_dir(root.join("tmp")).unwrap().count();
            assert_eq!(left, 0, "tmp/ must be empty");
        } else {
            // Every multipart upload was aborted (the dropped one from a
            // task of its own, so give it a moment).
            let mut pending = String::new();
            for _ in 0..50 {
                pending = pending_multipart_uploads(under.as_ref()).await;
                if !pending.contains("<Upload>") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(!pending.contains("<Upload>"), "not aborted: {pending}");
            assert!(pending.contains("ListMultipartUploadsResult"), "{pending}");
        }
    }
}

/// The answer of the test server to ListMultipartUploads under `prefix`
/// (one unsigned HTTP/1.0 request: the local test server takes those, and
/// `object_store` has no call for it).
async fn pending_multipart_uploads(prefix: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let host = endpoint
        .strip_prefix("http://")
        .expect("an http:// test server")
        .trim_end_matches('/');
    let base = std::env::var("MISTO_TEST_S3_URL").expect("MISTO_TEST_S3_URL");
    let bucket = base.trim_start_matches("s3://").trim_end_matches('/');
    let mut conn = tokio::net::TcpStream::connect(host).await.expect("connect");
    let req = format!("GET /{bucket}?uploads&prefix={prefix}/ HTTP/1.0\r\nHost: {host}\r\n\r\n");
    conn.write_all(req.as_bytes()).await.expect("request");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.expect("answer");
    answer
}

#[tokio::test]
async fn odd_keys_are_refused() {
    for c in cases().await {
        let s = &c.store;
        for key in [
            "",
            "../etc/passwd",
            "/abs",
            "a//b",
            "a/./b",
            "a/../b",
            "файл.csv",
            "a b",
            "a\\b",
            "a?b",
            "a%2Fb",
        ] {
            let invalid = |r: Result<(), BlobError>| matches!(r, Err(BlobError::InvalidKey(_)));
            let put = s.put_bytes(key, Bytes::from_static(b"x")).await.map(|_| ());
            assert!(invalid(put), "{} put {key:?}", c.name);
            assert!(invalid(s.open(key).await.map(|_| ())), "{key:?}");
            assert!(invalid(s.read_all(key).await.map(|_| ())), "{key:?}");
            assert!(invalid(s.exists(key).await.map(|_| ())), "{key:?}");
            assert!(invalid(s.delete(key).await), "{key:?}");
            assert!(invalid(s.local_copy(key).await.map(|_| ())), "{key:?}");
            assert!(invalid(s.local_path(key).map(|_| ())), "{key:?}");
            assert!(invalid(s.object_path(key).map(|_| ())), "{key:?}");
            let sweep = s.sweep_prefix(key, Duration::ZERO).await.map(|_| ());
            assert!(invalid(sweep), "{key:?}");
        }
    }
}

#[tokio::test]
async fn sweep_prefix_removes_only_old_blobs_under_it() {
    for c in cases().await {
        let s = &c.store;
        for key in ["fetch/r1/a", "fetch/r2/b", "uploads/x/c.csv"] {
            s.put_bytes(key, Bytes::from_static(b"12345"))
                .await
                .unwrap();
        }
        let hour = Duration::from_secs(3600);
        assert_eq!(
            s.sweep_prefix("fetch", hour).await.unwrap(),
            0,
            "{}",
            c.name
        );
        assert!(s.exists("fetch/r1/a").await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let removed = s.sweep_prefix("fetch", Duration::ZERO).await.unwrap();
        assert_eq!(removed, 10, "{}", c.name);
        assert!(!s.exists("fetch/r1/a").await.unwrap());
        assert!(!s.exists("fetch/r2/b").await.unwrap());
        assert!(s.exists("uploads/x/c.csv").await.unwrap(), "{}", c.name);
        // A prefix with nothing under it.
        assert_eq!(s.sweep_prefix("none", Duration::ZERO).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn sweep_tmp_removes_stale_local_files() {
    for c in cases().await {
        let s = &c.store;
        s.put_bytes("k/v", Bytes::from_static(b"v")).await.unwrap();
        // Where this backend keeps temporary local files: the local
        // folder's tmp/, or the folder of S3 copies (found from a copy).
        let tmp = match s.root() {
            Some(root) => root.join("tmp"),
            None => {
                let copy = s.local_copy("k/v").await.unwrap();
                copy.path().parent().unwrap().to_path_buf()
            }
        };
        let stale = tmp.join("stale");
        std::fs::write(&stale, vec![0u8; 1000]).unwrap();
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&stale)
            .unwrap();
        f.set_modified(std::time::SystemTime::now() - Duration::from_secs(2 * 3600))
            .unwrap();
        std::fs::write(tmp.join("fresh"), b"x").unwrap();
        assert_eq!(s.sweep_tmp().await.unwrap(), 1000, "{}", c.name);
        assert!(!stale.exists());
        assert!(tmp.join("fresh").exists(), "{}", c.name);
        assert!(s.exists("k/v").await.unwrap());
    }
}
