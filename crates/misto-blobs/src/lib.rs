//! Storage of uploaded files (blobs) behind one interface: put a stream,
//! open, read, delete. Two backends: a local folder (the default) and an
//! S3-compatible bucket ([`BlobStore::s3`], `MISTO_BLOB_URL=s3://bucket/prefix`),
//! the latter through the `object_store` crate, re-exported here so that
//! other engines (DataFusion reading Parquet blobs) use the same version
//! ([`BlobStore::object_store`], [`BlobStore::object_path`]).
//!
//! Durability: nothing partial is ever visible under a key.
//! - Local folder: a blob is first streamed into `tmp/` under the root,
//!   flushed and fsynced, and only then renamed to `blobs/{key}`. A process
//!   killed mid-upload leaves at most a file in `tmp/` (swept on start and
//!   periodically) and never a partial blob under a key.
//! - S3: one PUT for a small blob, else a multipart upload completed only
//!   after the whole body was read, and aborted on any error (see `s3.rs`).
//!
//! Blobs are never overwritten: callers use a fresh key per upload, so
//! earlier versions stay readable.
//!
//! This crate knows nothing of datasets or permissions.

mod local;
mod s3;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use futures_util::stream::BoxStream;
pub use object_store;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;

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
    /// An error of the object store (S3) other than a missing object.
    #[error("object storage error: {0}")]
    Store(String),
    /// A bad blob storage setting (URL, option).
    #[error("blob storage setting: {0}")]
    Config(String),
    /// [`BlobStore::local_path`] on a store that is not a local folder.
    #[error("blob {0} is not a local file (use local_copy)")]
    NotLocal(String),
}

/// What a finished upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// The content of a blob, in chunks.
pub type BlobStream = BoxStream<'static, io::Result<Bytes>>;

/// An opened blob ready to be streamed out.
pub struct BlobReader {
    pub size: u64,
    pub stream: BlobStream,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A blob as a file on this machine, for readers that go over a file more
/// than once ([`BlobStore::local_copy`]). On the local backend it is the
/// blob's own file; on S3 a downloaded copy, removed when this is dropped.
/// Derefs to its [`Path`].
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    temporary: bool,
}

impl LocalFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is a copy removed on drop.
    pub fn is_temporary(&self) -> bool {
        self.temporary
    }
}

impl std::ops::Deref for LocalFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for LocalFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Local(local::Local),
    S3(s3::S3),
}

/// The blob store: cheap to clone (and small: it travels in every job's
/// context).
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Arc<Backend>,
    /// The same blobs as an `object_store` store (for the local backend,
    /// a `LocalFileSystem` rooted at the store's folder).
    objects: Arc<dyn ObjectStore>,
}

pub(crate) fn check_key(key: &str) -> Result<(), BlobError> {
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
pub(crate) async fn sweep_dir(dir: &Path, min_age: std::time::Duration) -> Result<u64, BlobError> {
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
    /// A store in a local folder (created if missing): blobs in `blobs/`,
    /// uploads in progress in `tmp/`. Leftovers of interrupted uploads in
    /// `tmp/` are removed.
    pub async fn local(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let local = local::Local::create(root.into()).await?;
        let objects = object_store::local::LocalFileSystem::new_with_prefix(&local.root)
            .map_err(io::Error::from)?;
        Ok(Self {
            backend: Arc::new(Backend::Local(local)),
            objects: Arc::new(objects),
        })
    }

    /// A store in the S3-compatible bucket of `url` (`s3://bucket` or
    /// `s3://bucket/prefix`), configured by the usual `AWS_*` environment
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL` for a server other than Amazon's,
    /// `AWS_ALLOW_HTTP=true` for one without TLS, …). `tmp` is a local
    /// folder for [`BlobStore::local_copy`] (created if missing, swept by
    /// [`BlobStore::sweep_tmp`]). Fails unless the bucket answers.
    pub async fn s3(url: &str, tmp: impl Into<PathBuf>) -> Result<Self, BlobError> {
        Self::s3_with_options(url, std::iter::empty::<(&str, String)>(), tmp).await
    }

    /// [`BlobStore::s3`] with options over the environment's, named like
    /// the variables in lowercase (`aws_endpoint`, `aws_allow_http`,
    /// `aws_access_key_id`, …).
    pub async fn s3_with_options<I, K, V>(
        url: &str,
        options: I,
        tmp: impl Into<PathBuf>,
    ) -> Result<Self, BlobError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let s3 = s3::S3::connect(url, options, tmp.into()).await?;
        Ok(Self {
            objects: s3.store.clone(),
            backend: Arc::new(Backend::S3(s3)),
        })
    }

    /// Where the blobs are, for logs: the folder, or `s3://bucket/prefix`.
    pub fn location(&self) -> String {
        match &*self.backend {
            Backend::Local(l) => l.root.join("blobs").display().to_string(),
            Backend::S3(s) => s.url(),
        }
    }

    /// The underlying `object_store` store, for engines that read blobs
    /// themselves; address a blob in it with [`BlobStore::object_path`].
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
    }

    /// The path of blob `key` in [`BlobStore::object_store`] (with the S3
    /// prefix, or under `blobs/` in the local folder). Refuses the keys
    /// every other method refuses.
    pub fn object_path(&self, key: &str) -> Result<ObjectPath, BlobError> {
        match &*self.backend {
            Backend::Local(_) => {
                check_key(key)?;
                ObjectPath::parse(format!("blobs/{key}"))
                    .map_err(|_| BlobError::InvalidKey(key.to_string()))
            }
            Backend::S3(s) => s.path_of(key),
        }
    }

    /// The part of every [`BlobStore::object_path`] before the key (`blobs/`
    /// locally, `<prefix>/` or nothing on S3): another reader of the same
    /// object store (the columnar engine) finds a blob at this plus its key.
    pub fn object_prefix(&self) -> String {
        match &*self.backend {
            Backend::Local(_) => "blobs/".to_string(),
            Backend::S3(s) => s.key_prefix(),
        }
    }

    /// Removes temporary local files left behind: on the local backend the
    /// remnants of interrupted uploads in `tmp/` untouched for a minute (an
    /// upload in progress, in this or another process, writes to its file
    /// all the time); on S3 local copies untouched for an hour. Runs at
    /// start and periodically (the server calls it every few minutes), so
    /// a crash loop cannot fill the disk. Returns the bytes removed.
    pub async fn sweep_tmp(&self) -> Result<u64, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.sweep_tmp().await,
            Backend::S3(s) => s.sweep_tmp().await,
        }
    }

    /// Removes the blobs under `prefix` (a folder of transient files, such
    /// as downloads waiting to be loaded) untouched for `min_age`. Returns
    /// the bytes removed.
    pub async fn sweep_prefix(
        &self,
        prefix: &str,
        min_age: std::time::Duration,
    ) -> Result<u64, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.sweep_prefix(prefix, min_age).await,
            Backend::S3(s) => s.sweep_prefix(prefix, min_age).await,
        }
    }

    /// The local folder of the store (`blobs/` and `tmp/` are in it); `None`
    /// on S3.
    pub fn root(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Local(l) => Some(&l.root),
            Backend::S3(_) => None,
        }
    }

    /// The file that holds a blob, on the local backend only
    /// ([`BlobError::NotLocal`] on S3). Readers that need a file use
    /// [`BlobStore::local_copy`], which works on both.
    pub fn local_path(&self, key: &str) -> Result<PathBuf, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.local_path(key),
            Backend::S3(_) => {
                check_key(key)?;
                Err(BlobError::NotLocal(key.to_string()))
            }
        }
    }

    /// The blob as a file on this machine, for readers that go over it
    /// more than once (the datastore's two-pass CSV reader): on the local
    /// backend its own file, on S3 a copy downloaded into the temporary
    /// folder and removed when the returned guard is dropped (keep it
    /// alive while reading).
    pub async fn local_copy(&self, key: &str) -> Result<LocalFile, BlobError> {
        match &*self.backend {
            Backend::Local(l) => Ok(LocalFile {
                path: l.local_path(key)?,
                temporary: false,
            }),
            Backend::S3(s) => Ok(LocalFile {
                path: s.download(key).await?,
                temporary: true,
            }),
        }
    }

    /// Streams `body` into the blob `key`, refusing more than `limit` bytes.
    /// Nothing is visible under `key` unless the whole stream was written,
    /// also when the stream fails or this future is dropped half-way.
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
        match &*self.backend {
            Backend::Local(l) => l.put_stream(key, body, limit).await,
            Backend::S3(s) => s.put_stream(key, body, limit).await,
        }
    }

    /// Stores a buffer (demo data, tests).
    pub async fn put_bytes(&self, key: &str, data: Bytes) -> Result<PutResult, BlobError> {
        let limit = data.len() as u64;
        let one = futures_util::stream::iter([Ok::<_, io::Error>(data)]);
        self.put_stream(key, one, limit).await
    }

    /// Opens a blob to stream it out; [`BlobError::NotFound`] when missing.
    pub async fn open(&self, key: &str) -> Result<BlobReader, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.open(key).await,
            Backend::S3(s) => s.open(key).await,
        }
    }

    pub async fn read_all(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.read_all(key).await,
            Backend::S3(s) => s.read_all(key).await,
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.exists(key).await,
            Backend::S3(s) => s.exists(key).await,
        }
    }

    /// Removes a blob; a missing one is no error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match &*self.backend {
            Backend::Local(l) => l.delete(key).await,
            Backend::S3(s) => s.delete(key).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

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

    #[test]
    fn s3_urls() {
        for (url, want) in [
            ("s3://misto-files", Some(("misto-files", ""))),
            ("s3://misto-files/", Some(("misto-files", ""))),
            (
                "s3://misto-files/city/prod/",
                Some(("misto-files", "city/prod")),
            ),
            ("s3://b.example-1/p_1", Some(("b.example-1", "p_1"))),
            ("https://misto-files/x", None),
            ("s3://", None),
            ("s3://ab", None),
            ("s3://Upper/x", None),
            ("s3://bucket/a//b", None),
            ("s3://bucket/../x", None),
            ("s3://bucket/файли", None),
        ] {
            let got = s3::parse_url(url).ok();
            let got = got.as_ref().map(|(b, p)| (b.as_str(), p.as_str()));
            assert_eq!(got, want, "{url}");
        }
    }

    #[tokio::test]
    async fn bad_s3_settings_are_refused_before_any_request() {
        let tmp = temp_root();
        for (url, opts) in [
            ("file:///tmp/x", vec![]),
            ("s3://misto-files", vec![("aws_no_such_option", "1")]),
        ] {
            let err = BlobStore::s3_with_options(url, opts, &tmp)
                .await
                .unwrap_err();
            assert!(matches!(err, BlobError::Config(_)), "{url}: {err}");
        }
    }

    #[tokio::test]
    async fn local_paths_copies_and_object_paths() {
        let root = temp_root();
        let store = BlobStore::local(&root).await.unwrap();
        store
            .put_bytes("uploads/u1/data.csv", Bytes::from_static(b"a\n1\n"))
            .await
            .unwrap();
        assert_eq!(store.root(), Some(root.as_path()));
        let copy = store.local_copy("uploads/u1/data.csv").await.unwrap();
        assert!(!copy.is_temporary());
        assert_eq!(std::fs::read(&*copy).unwrap(), b"a\n1\n");
        drop(copy);
        // The blob's own file stays.
        assert!(store.exists("uploads/u1/data.csv").await.unwrap());
        assert!(matches!(
            store.local_copy("uploads/u1/none.csv").await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            store.local_copy("../x").await,
            Err(BlobError::InvalidKey(_))
        ));
        // The object_store view reads the same bytes.
        let path = store.object_path("uploads/u1/data.csv").unwrap();
        assert_eq!(path.as_ref(), "blobs/uploads/u1/data.csv");
        let got = object_store::ObjectStoreExt::get(&*store.object_store(), &path)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&got[..], b"a\n1\n");
        assert!(store.object_path("a/../b").is_err());
        assert!(store.object_path("a b").is_err());
    }

    #[tokio::test]
    async fn a_dropped_upload_leaves_nothing() {
        let root = temp_root();
        let store = BlobStore::local(&root).await.unwrap();
        // A body that sends a chunk and then never ends (a stalled client).
        let body = futures_util::stream::iter([Ok::<_, io::Error>(Bytes::from_static(b"part"))])
            .chain(futures_util::stream::pending());
        let put = store.put_stream("stalled/x", body, 1000);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(100), put)
                .await
                .is_err()
        );
        assert!(!store.exists("stalled/x").await.unwrap());
        let mut tmp = tokio::fs::read_dir(root.join("tmp")).await.unwrap();
        assert!(
            tmp.next_entry().await.unwrap().is_none(),
            "tmp must be empty"
        );
    }
}
