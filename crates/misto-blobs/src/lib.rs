//! Storage of uploaded files (blobs) behind one interface. The default is a
//! local folder; the interface is narrow (put a stream, open, delete) so that
//! an S3-compatible backend can slot in for multi-instance installs.
//!
//! Durability: a blob is first streamed into `tmp/` under the root, flushed
//! and fsynced, and only then renamed to its key. A process killed mid-upload
//! leaves at most a file in `tmp/` (swept on start) and never a partial blob
//! under a key. Blobs are never overwritten: callers use a fresh key per
//! upload, so earlier versions stay readable.
//!
//! This crate knows nothing of datasets or permissions.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("blob not found: {0}")]
    NotFound(String),
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
    #[error("upload interrupted: {0}")]
    Source(String),
    #[error("storage error: {0}")]
    Io(#[from] io::Error),
}

/// What a finished upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// An opened blob ready to be streamed out.
pub struct BlobReader {
    pub size: u64,
    pub stream: tokio_util::io::ReaderStream<tokio::fs::File>,
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

fn check_key(key: &str) -> Result<(), BlobError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(key.to_string()))
    }
}

/// Removes the files directly in `dir` not modified for `min_age`.
async fn sweep_dir(dir: &Path, min_age: std::time::Duration) -> Result<u64, BlobError> {
    let mut removed = 0;
    let mut rd = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = rd.next_entry().await? {
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let stale = meta.is_file()
            && meta
                .modified()
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > min_age);
        if stale && tokio::fs::remove_file(entry.path()).await.is_ok() {
            removed += meta.len();
        }
    }
    Ok(removed)
}

impl BlobStore {
    /// A store in a local folder (created if missing). Leftovers of
    /// interrupted uploads in `tmp/` are removed.
    pub async fn local(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        tokio::fs::create_dir_all(root.join("tmp")).await?;
        let store = Self { root };
        store.sweep_tmp().await?;
        Ok(store)
    }

    /// Removes files of interrupted uploads from `tmp/`: those untouched for
    /// a minute (an upload in progress, in this or another process, writes
    /// to its file all the time). Runs at start and periodically
    /// ([`BlobStore::sweep_tmp`] is called by the server every few minutes),
    /// so a crash loop cannot fill the disk. Returns the bytes removed.
    pub async fn sweep_tmp(&self) -> Result<u64, BlobError> {
        sweep_dir(&self.root.join("tmp"), std::time::Duration::from_secs(60)).await
    }

    /// Removes the blobs under `prefix` (a folder of transient files, such
    /// as downloads waiting to be loaded) untouched for `min_age`. Returns
    /// the bytes removed.
    pub async fn sweep_prefix(
        &self,
        prefix: &str,
        min_age: std::time::Duration,
    ) -> Result<u64, BlobError> {
        check_key(prefix)?;
        let dir = self.root.join("blobs").join(prefix);
        if !tokio::fs::try_exists(&dir).await? {
            return Ok(0);
        }
        let mut removed = 0;
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let mut rd = tokio::fs::read_dir(&d).await?;
            while let Some(entry) = rd.next_entry().await? {
                if entry.file_type().await?.is_dir() {
                    stack.push(entry.path());
                }
            }
            removed += sweep_dir(&d, min_age).await?;
            // An emptied folder goes too (fails harmlessly when not empty).
            let _ = tokio::fs::remove_dir(&d).await;
        }
        Ok(removed)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds a blob, for readers that go over it more than
    /// once (the datastore's two-pass CSV reader).
    pub fn local_path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let path = self.path_of(key)?;
        if path.is_file() {
            Ok(path)
        } else {
            Err(BlobError::NotFound(key.to_string()))
        }
    }

    fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        check_key(key)?;
        Ok(self.root.join("blobs").join(key))
    }

    /// Streams `body` into the blob `key`, refusing more than `limit` bytes.
    /// Nothing is visible under `key` unless the whole stream was written.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        body: S,
        limit: u64,
    ) -> Result<PutResult, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let dest = self.path_of(key)?;
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = self.write_tmp(&tmp, body, limit).await;
        let put = match result {
            Ok(p) => p,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        if let Err(e) = tokio::fs::rename(&tmp, &dest).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e.into());
        }
        if let Some(parent) = dest.parent()
            && let Ok(dir) = tokio::fs::File::open(parent).await
        {
            let _ = dir.sync_all().await;
        }
        Ok(put)
    }

    async fn write_tmp<S, E>(&self, tmp: &Path, body: S, limit: u64) -> Result<PutResult, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let mut file = tokio::fs::File::create(tmp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        Ok(PutResult {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Stores a buffer (demo data, tests).
    pub async fn put_bytes(&self, key: &str, data: Bytes) -> Result<PutResult, BlobError> {
        let limit = data.len() as u64;
        let one = futures_util::stream::iter([Ok::<_, io::Error>(data)]);
        self.put_stream(key, one, limit).await
    }

    pub async fn open(&self, key: &str) -> Result<BlobReader, BlobError> {
        let path = self.path_of(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata().await?.len();
        Ok(BlobReader {
            size,
            stream: tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024),
        })
    }

    pub async fn read_all(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path_of(key)?;
        tokio::fs::read(&path).await.map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => BlobError::NotFound(key.to_string()),
            _ => BlobError::Io(e),
        })
    }

    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        Ok(tokio::fs::try_exists(self.path_of(key)?).await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path_of(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        std::env::temp_dir().join(format!("misto-blobs-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn keys() {
        for (k, ok) in [
            ("resources/abc/1/file.csv", true),
            ("../etc/passwd", false),
            ("/abs", false),
            ("a//b", false),
            ("a/./b", false),
            ("файл.csv", false),
        ] {
            assert_eq!(check_key(k).is_ok(), ok, "{k}");
        }
    }

    fn age(path: &Path, secs: u64) {
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs))
            .unwrap();
    }

    #[tokio::test]
    async fn sweeps_remove_only_stale_transient_files() {
        let root = temp_root();
        let store = BlobStore::local(&root).await.unwrap();
        for (key, secs) in [
            ("datastore-fetch/r1/a", 7200),
            ("datastore-fetch/r2/b", 5),
            ("uploads/x/c.csv", 7200),
        ] {
            store
                .put_bytes(key, Bytes::from_static(b"12345"))
                .await
                .unwrap();
            age(&store.local_path(key).unwrap(), secs);
        }
        let removed = store
            .sweep_prefix("datastore-fetch", std::time::Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(removed, 5);
        assert!(!store.exists("datastore-fetch/r1/a").await.unwrap());
        assert!(store.exists("datastore-fetch/r2/b").await.unwrap());
        assert!(store.exists("uploads/x/c.csv").await.unwrap());
        assert!(!root.join("blobs/datastore-fetch/r1").exists());
        // Remnants of interrupted uploads in tmp/: a stale one goes, a fresh one stays.
        std::fs::write(root.join("tmp/stale"), vec![0u8; 1000]).unwrap();
        age(&root.join("tmp/stale"), 120);
        std::fs::write(root.join("tmp/fresh"), b"x").unwrap();
        assert_eq!(store.sweep_tmp().await.unwrap(), 1000);
        assert!(root.join("tmp/fresh").exists());
        // And at open.
        age(&root.join("tmp/fresh"), 120);
        BlobStore::local(&root).await.unwrap();
        assert!(!root.join("tmp/fresh").exists());
    }

    #[tokio::test]
    async fn put_open_delete() {
        let store = BlobStore::local(temp_root()).await.unwrap();
        let put = store
            .put_bytes("r/1/a.csv", Bytes::from_static(b"a,b\n1,2\n"))
            .await
            .unwrap();
        assert_eq!(put.size, 8);
        assert_eq!(put.sha256.len(), 64);
        assert_eq!(store.read_all("r/1/a.csv").await.unwrap(), b"a,b\n1,2\n");
        assert_eq!(store.open("r/1/a.csv").await.unwrap().size, 8);
        store.delete("r/1/a.csv").await.unwrap();
        assert!(matches!(
            store.open("r/1/a.csv").await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn too_large_and_broken_streams_leave_nothing() {
        let root = temp_root();
        let store = BlobStore::local(&root).await.unwrap();
        let chunks = futures_util::stream::iter(vec![
            Ok::<_, io::Error>(Bytes::from(vec![1u8; 600])),
            Ok(Bytes::from(vec![2u8; 600])),
        ]);
        let err = store.put_stream("big/x", chunks, 1000).await.unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 1000 }));
        let broken = futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"partial")),
            Err(io::Error::other("client went away")),
        ]);
        let err = store
            .put_stream("broken/x", broken, 1000)
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::Source(_)));
        assert!(!store.exists("big/x").await.unwrap());
        assert!(!store.exists("broken/x").await.unwrap());
        let mut tmp = tokio::fs::read_dir(root.join("tmp")).await.unwrap();
        assert!(
            tmp.next_entry().await.unwrap().is_none(),
            "tmp must be empty"
        );
    }
}
