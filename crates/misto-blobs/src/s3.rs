//! The S3-compatible backend, through `object_store`'s Amazon S3 client.
//!
//! A blob `key` is the object `{prefix}/{key}` of the bucket. An upload
//! smaller than [`PART_SIZE`] is one PUT; a larger one is a multipart upload
//! whose parts are sent as the body streams in (at most two in flight) and
//! which is completed only after the last byte was counted and hashed. On
//! any error, and when the upload's future is dropped half-way, the
//! multipart upload is aborted: S3 shows an object only once it is
//! complete, so nothing partial ever appears under a key. (A process killed
//! mid-upload cannot abort: its parts stay invisible until the bucket's
//! lifecycle rule for incomplete multipart uploads removes them.)

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{
    GetOptions, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload,
    WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{BlobError, BlobReader, PutResult, check_key, sweep_dir};

/// Size of one part of a multipart upload, and the largest upload sent as
/// one PUT (S3 wants parts of at least 5 MiB but the last).
pub(crate) const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once (memory: about 3 × [`PART_SIZE`]).
const PARTS_IN_FLIGHT: usize = 2;
/// Local copies (`local_copy`) that a crashed process left are removed once
/// untouched for this long: a reader goes over its copy well within it.
const COPY_MAX_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub(crate) struct S3 {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) bucket: String,
    /// Segments of the prefix, without slashes at either end ("" for none).
    pub(crate) prefix: String,
    /// Local folder of temporary copies (`local_copy`).
    pub(crate) tmp: PathBuf,
}

/// `s3://bucket/prefix` → (bucket, prefix).
pub(crate) fn parse_url(url: &str) -> Result<(String, String), BlobError> {
    let bad = |why: &str| BlobError::Config(format!("{url}: {why}"));
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| bad("the URL must start with s3://"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'));
    if !bucket_ok {
        return Err(bad(
            "the bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if !prefix.is_empty() && check_key(prefix).is_err() {
        return Err(bad(
            "the prefix may hold only letters, digits, '-', '_', '.' and '/' between non-empty segments",
        ));
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

impl S3 {
    /// Connects to the bucket of `url` with the `AWS_*` settings of the
    /// environment, overridden by `options` (the same names in lowercase,
    /// such as `aws_endpoint` or `aws_allow_http`), and checks that it
    /// answers.
    pub(crate) async fn connect<I, K, V>(
        url: &str,
        options: I,
        tmp: PathBuf,
    ) -> Result<Self, BlobError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let (bucket, prefix) = parse_url(url)?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&bucket);
        for (k, v) in options {
            let key: AmazonS3ConfigKey = k
                .as_ref()
                .parse()
                .map_err(|e| BlobError::Config(format!("{}: {e}", k.as_ref())))?;
            builder = builder.with_config(key, v);
        }
        let store = builder
            .build()
            .map_err(|e| BlobError::Config(format!("{url}: {e}")))?;
        tokio::fs::create_dir_all(&tmp).await?;
        let s3 = Self {
            store: Arc::new(store),
            bucket,
            prefix,
            tmp,
        };
        // Fail at start, not at the first upload, when the bucket is
        // missing or the credentials are refused.
        let root = s3.root_path();
        s3.store
            .list_with_delimiter(root.as_ref())
            .await
            .map_err(|e| BlobError::Store(format!("{url} does not answer: {e}")))?;
        s3.sweep_tmp().await?;
        Ok(s3)
    }

    fn root_path(&self) -> Option<ObjectPath> {
        (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()))
    }

    pub(crate) fn path_of(&self, key: &str) -> Result<ObjectPath, BlobError> {
        check_key(key)?;
        let full = if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        };
        ObjectPath::parse(full).map_err(|_| BlobError::InvalidKey(key.to_string()))
    }

    pub(crate) fn key_prefix(&self) -> String {
        if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        }
    }

    pub(crate) fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    pub(crate) async fn sweep_tmp(&self) -> Result<u64, BlobError> {
        sweep_dir(&self.tmp, COPY_MAX_AGE).await
    }

    pub(crate) async fn sweep_prefix(
        &self,
        prefix: &str,
        min_age: Duration,
    ) -> Result<u64, BlobError> {
        let dir = self.path_of(prefix)?;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let min_age_ms = min_age.as_millis() as i64;
        let mut removed = 0;
        let mut listing = self.store.list(Some(&dir));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(store_error)?;
            if now_ms - meta.last_modified.timestamp_millis() > min_age_ms {
                match self.store.delete(&meta.location).await {
                    Ok(()) => removed += meta.size,
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(store_error(e)),
                }
            }
        }
        Ok(removed)
    }

    pub(crate) async fn put_stream<S, E>(
        &self,
        key: &str,
        body: S,
        limit: u64,
    ) -> Result<PutResult, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let path = self.path_of(key)?;
        let mut upload = Upload(None);
        match self.write(&path, body, limit, &mut upload).await {
            Ok(put) => Ok(put),
            Err(e) => {
                upload.abort().await;
                Err(e)
            }
        }
    }

    async fn write<S, E>(
        &self,
        path: &ObjectPath,
        body: S,
        limit: u64,
        upload: &mut Upload,
    ) -> Result<PutResult, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        // The start of the body, until it is known whether it fits one PUT.
        let mut head: Vec<Bytes> = Vec::new();
        let mut head_len = 0usize;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            hasher.update(&chunk);
            match upload.0.as_mut() {
                Some(w) => {
                    w.wait_for_capacity(PARTS_IN_FLIGHT)
                        .await
                        .map_err(store_error)?;
                    w.put(chunk);
                }
                None => {
                    head_len += chunk.len();
                    head.push(chunk);
                    if head_len > PART_SIZE {
                        let started = self
                            .store
                            .put_multipart_opts(path, PutMultipartOptions::default())
                            .await
                            .map_err(store_error)?;
                        let mut w = WriteMultipart::new_with_chunk_size(started, PART_SIZE);
                        for c in head.drain(..) {
                            w.put(c);
                        }
                        upload.0 = Some(w);
                    }
                }
            }
        }
        match upload.0.as_mut() {
            None => {
                let payload: PutPayload = head.into_iter().collect();
                self.store
                    .put_opts(path, payload, PutOptions::default())
                    .await
                    .map_err(store_error)?;
            }
            Some(w) => {
                // Every part sent (or the error, with the upload still held
                // for the abort), then the completion.
                w.wait_for_capacity(0).await.map_err(store_error)?;
                if let Some(w) = upload.0.take() {
                    // `finish` aborts the upload itself when completing fails.
                    w.finish().await.map_err(store_error)?;
                }
            }
        }
        Ok(PutResult {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    pub(crate) async fn open(&self, key: &str) -> Result<BlobReader, BlobError> {
        let path = self.path_of(key)?;
        let got = self
            .store
            .get_opts(&path, GetOptions::default())
            .await
            .map_err(|e| not_found_or(key, e))?;
        let size = got.meta.size;
        Ok(BlobReader {
            size,
            stream: got.into_stream().map_err(io::Error::from).boxed(),
        })
    }

    pub(crate) async fn read_all(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path_of(key)?;
        let got = self
            .store
            .get_opts(&path, GetOptions::default())
            .await
            .map_err(|e| not_found_or(key, e))?;
        let bytes = got.bytes().await.map_err(|e| not_found_or(key, e))?;
        Ok(bytes.to_vec())
    }

    pub(crate) async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        let path = self.path_of(key)?;
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Downloads the blob into a new file of the temporary folder.
    pub(crate) async fn download(&self, key: &str) -> Result<PathBuf, BlobError> {
        let mut reader = self.open(key).await?;
        // The key's last segment keeps the file's extension.
        let name = key.rsplit('/').next().unwrap_or("blob");
        let dest = self
            .tmp
            .join(format!("{}-{name}", uuid::Uuid::new_v4().simple()));
        let result = async {
            let mut file = tokio::fs::File::create(&dest).await?;
            while let Some(chunk) = reader.stream.next().await {
                file.write_all(&chunk?).await?;
            }
            file.flush().await?;
            Ok::<_, io::Error>(())
        }
        .await;
        match result {
            Ok(()) => Ok(dest),
            Err(e) => {
                let _ = tokio::fs::remove_file(&dest).await;
                Err(e.into())
            }
        }
    }
}

/// A multipart upload in progress, aborted unless completed: by
/// [`Upload::abort`] on an error, or from `Drop` when the future that
/// drove it was dropped (a client that went away).
struct Upload(Option<WriteMultipart>);

impl Upload {
    async fn abort(&mut self) {
        if let Some(w) = self.0.take()
            && let Err(e) = w.abort().await
        {
            tracing::warn!(error = %e, "could not abort a multipart upload");
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(w) = self.0.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                if let Err(e) = w.abort().await {
                    tracing::warn!(error = %e, "could not abort a dropped multipart upload");
                }
            });
        }
    }
}

fn store_error(e: object_store::Error) -> BlobError {
    BlobError::Store(e.to_string())
}

fn not_found_or(key: &str, e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        e => store_error(e),
    }
}
