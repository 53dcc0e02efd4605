//! The local-folder backend: blobs under `{root}/blobs/{key}`, uploads
//! streamed into `{root}/tmp/`, fsynced and renamed into place.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{BlobError, BlobReader, PutResult, check_key, sweep_dir};

/// Remnants of interrupted uploads in `tmp/` older than this are removed
/// (an upload in progress writes to its file all the time).
const TMP_MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub(crate) root: PathBuf,
}

impl Local {
    pub(crate) async fn create(root: PathBuf) -> Result<Self, BlobError> {
        tokio::fs::create_dir_all(root.join("tmp")).await?;
        tokio::fs::create_dir_all(root.join("blobs")).await?;
        let store = Self { root };
        store.sweep_tmp().await?;
        Ok(store)
    }

    pub(crate) fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        check_key(key)?;
        Ok(self.root.join("blobs").join(key))
    }

    pub(crate) async fn sweep_tmp(&self) -> Result<u64, BlobError> {
        sweep_dir(&self.root.join("tmp"), TMP_MAX_AGE).await
    }

    pub(crate) async fn sweep_prefix(
        &self,
        prefix: &str,
        min_age: Duration,
    ) -> Result<u64, BlobError> {
        let dir = self.path_of(prefix)?;
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

    pub(crate) fn local_path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let path = self.path_of(key)?;
        if path.is_file() {
            Ok(path)
        } else {
            Err(BlobError::NotFound(key.to_string()))
        }
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
        let dest = self.path_of(key)?;
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        // Removes the temporary file unless it was renamed into place, also
        // when this future is dropped half-way (a client that went away).
        let mut guard = TmpFile(Some(tmp.clone()));
        let put = write_tmp(&tmp, body, limit).await?;
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(&tmp, &dest).await?;
        guard.0 = None;
        if let Some(parent) = dest.parent()
            && let Ok(dir) = tokio::fs::File::open(parent).await
        {
            let _ = dir.sync_all().await;
        }
        Ok(put)
    }

    pub(crate) async fn open(&self, key: &str) -> Result<BlobReader, BlobError> {
        let path = self.path_of(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let meta = file.metadata().await?;
        if !meta.is_file() {
            return Err(BlobError::NotFound(key.to_string()));
        }
        Ok(BlobReader {
            size: meta.len(),
            stream: tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed(),
        })
    }

    pub(crate) async fn read_all(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path_of(key)?;
        tokio::fs::read(&path).await.map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::IsADirectory => {
                BlobError::NotFound(key.to_string())
            }
            _ => BlobError::Io(e),
        })
    }

    pub(crate) async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        match tokio::fs::metadata(self.path_of(key)?).await {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path_of(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A temporary file removed when dropped, unless taken (`.0 = None`).
struct TmpFile(Option<PathBuf>);

impl Drop for TmpFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Streams `body` into a new file at `tmp`, counting and hashing it;
/// flushed and fsynced before it returns.
pub(crate) async fn write_tmp<S, E>(tmp: &Path, body: S, limit: u64) -> Result<PutResult, BlobError>
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
