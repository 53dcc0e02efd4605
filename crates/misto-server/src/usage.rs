//! Counting API calls and downloads for the usage analytics. Only the
//! action's name or the resource id is kept, with whether the user agent
//! is a bot's; addresses and user agents themselves never leave this
//! function.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use misto_actions::Portal;

/// What a request path is, for counting.
#[derive(Debug, PartialEq, Eq)]
enum Counted<'a> {
    Api(&'a str),
    Download(&'a str),
}

fn classify(path: &str) -> Option<Counted<'_>> {
    let name = path
        .strip_prefix("/api/3/action/")
        .or_else(|| path.strip_prefix("/api/action/"));
    if let Some(name) = name {
        return misto_ckan_api::kind_of(name).map(|_| Counted::Api(name));
    }
    if let Some(rest) = path.strip_prefix("/datastore/dump/") {
        return (!rest.is_empty() && !rest.contains('/')).then_some(Counted::Download(rest));
    }
    // /dataset/{d}/resource/{r}/download[/{file}] and
    // /dataset/{d}/resource/{r}/version/{v}/download/{file}
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() >= 6
        && parts[1] == "dataset"
        && parts[3] == "resource"
        && (parts[5] == "download" || (parts[5] == "version" && parts.get(7) == Some(&"download")))
    {
        return Some(Counted::Download(parts[4]));
    }
    None
}

/// Counts known API actions (whatever their outcome) and downloads that
/// were served (200 or 206).
pub(crate) async fn count(State(portal): State<Portal>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_get = req.method() == Method::GET;
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let resp = next.run(req).await;
    match classify(&path) {
        Some(Counted::Api(name)) => portal.count_api_call(name, user_agent.as_deref()),
        Some(Counted::Download(resource))
            if is_get && matches!(resp.status().as_u16(), 200 | 206) =>
        {
            portal.count_download(resource, user_agent.as_deref());
        }
        _ => {}
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_count() {
        assert_eq!(
            classify("/api/3/action/package_show"),
            Some(Counted::Api("package_show"))
        );
        assert_eq!(
            classify("/api/action/package_search"),
            Some(Counted::Api("package_search"))
        );
        assert_eq!(classify("/api/3/action/made_up_thing"), None);
        assert_eq!(
            classify("/dataset/d/resource/r1/download/file.csv"),
            Some(Counted::Download("r1"))
        );
        assert_eq!(
            classify("/dataset/d/resource/r1/download"),
            Some(Counted::Download("r1"))
        );
        assert_eq!(
            classify("/dataset/d/resource/r1/version/v2/download/f.csv"),
            Some(Counted::Download("r1"))
        );
        assert_eq!(
            classify("/datastore/dump/r9"),
            Some(Counted::Download("r9"))
        );
        assert_eq!(classify("/dataset/d/resource/r1"), None);
        assert_eq!(classify("/dataset/d/resource/r1/edit"), None);
        assert_eq!(classify("/dataset/d"), None);
    }
}
