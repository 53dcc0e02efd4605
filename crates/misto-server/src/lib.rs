//! HTTP wiring: the router (CKAN API, downloads, health), request ids and
//! access logs, security headers, graceful shutdown. Handlers here are thin:
//! they decode the request, call `misto-actions`, and encode the answer.

mod datastore_dump;
mod download;
mod quality;
mod register;
mod usage;

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use misto_actions::Portal;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one router.
pub fn app(portal: Portal) -> Router {
    Router::new()
        .route(
            "/dataset/{dataset}/resource/{resource}/download/{filename}",
            get(download::download),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/download",
            get(download::download_bare),
        )
        .route(
            "/dataset/{dataset}/resource/{resource}/version/{version}/download/{filename}",
            get(quality::version_download),
        )
        .route(
            "/dataset/{dataset}/structure.json",
            get(quality::structure_json),
        )
        .route(
            "/dataset/{dataset}/structure.csv",
            get(quality::structure_csv),
        )
        .route("/datastore/dump/{resource}", get(datastore_dump::dump))
        .route("/register.csv", get(register::csv))
        .route("/register.json", get(register::json))
        .route("/register.xlsx", get(register::xlsx))
        .route("/compliance.csv", get(register::compliance_csv))
        .route("/compliance.xlsx", get(register::compliance_xlsx))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .with_state(portal.clone())
        .merge(misto_ckan_api::router(portal.clone()))
        .merge(misto_interop::router(portal.clone()))
        .merge(misto_web::router(portal.clone()))
        .layer(middleware::from_fn_with_state(portal.clone(), usage::count))
        .fallback_service(misto_web::not_found_service(portal))
        .layer(middleware::from_fn(common_headers))
}

async fn ready(State(portal): State<Portal>) -> Response {
    match portal.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Request id, access log line, and headers every response carries.
async fn common_headers(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let mut resp = next.run(req).await;
    let status = resp.status().as_u16();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID.clone(), v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page that lets any site frame it (an embeddable chart) says so in
    // its CSP's frame-ancestors; every other response may not be framed.
    let embeddable = h
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("frame-ancestors *"));
    if !embeddable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if path.starts_with("/api/") {
        // CKAN's API is readable from any origin.
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    let elapsed_us = started.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::error!(request_id = %id, %method, path, status, elapsed_us, "request");
    } else {
        tracing::debug!(request_id = %id, %method, path, status, elapsed_us, "request");
    }
    resp
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
/// Runs `workers` background job workers with the handlers of `jobs`.
pub async fn serve(
    portal: Portal,
    addr: SocketAddr,
    jobs: misto_actions::jobs::JobRegistry,
    workers: usize,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, workers, "misto is listening");
    let refresher = portal.spawn_refresher();
    let job_workers = portal.spawn_job_workers(std::sync::Arc::new(jobs), workers);
    let usage_flusher = portal.spawn_usage_flusher(misto_actions::analytics::FLUSH_EVERY);
    if let Err(e) = portal.schedule_digest().await {
        tracing::warn!(error = %e, "could not schedule the subscription digest");
    }
    if let Err(e) = portal.schedule_quarter_snapshot().await {
        tracing::warn!(error = %e, "could not schedule the quarter snapshot");
    }
    let sweeper = spawn_blob_sweeper(portal.clone());
    let flush_portal = portal.clone();
    // Client addresses reach the handlers (login throttling) but are never stored.
    let service = app(portal).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    refresher.abort();
    job_workers.iter().for_each(|w| w.abort());
    usage_flusher.abort();
    sweeper.abort();
    if let Err(e) = flush_portal.flush_usage().await {
        tracing::warn!(error = %e, "could not write the usage counts at shutdown");
    }
    result
}

/// Every few minutes, removes what interrupted uploads and downloads left
/// in the file storage (and once at start, for what a crash left).
fn spawn_blob_sweeper(portal: Portal) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match portal.sweep_transient_files().await {
                Ok(0) => {}
                Ok(bytes) => tracing::info!(bytes, "removed files left by interrupted transfers"),
                Err(e) => tracing::warn!(error = %e, "could not sweep transient files"),
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
