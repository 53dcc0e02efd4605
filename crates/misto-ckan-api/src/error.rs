//! CKAN's error envelope. This module and the HTML error page are the only
//! places where errors become responses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use misto_actions::ActionError;
use serde_json::{Map, Value, json};

/// An error as the API reports it.
#[derive(Debug)]
pub enum ApiError {
    Action(ActionError),
    /// CKAN answers some transport errors with a bare JSON string.
    BadRequest(String),
    /// Parameters the action does not know (400, named one by one).
    UnknownParams(Vec<String>),
    /// The body is larger than the action allows this caller (413, a bare
    /// string like CKAN's other transport errors).
    TooLarge(String),
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        Self::Action(e)
    }
}

impl ApiError {
    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        Self::Action(ActionError::invalid(field, msg))
    }
    pub fn missing(field: &str) -> Self {
        Self::Action(ActionError::missing(field))
    }

    /// The HTTP status and the `error` object (or bare string) for the body.
    pub fn status_and_error(&self) -> (StatusCode, Value) {
        match self {
            ApiError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                Value::String(format!("Bad request - {m}")),
            ),
            ApiError::TooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Value::String(format!("Request entity too large - {m}")),
            ),
            ApiError::UnknownParams(names) => {
                let mut obj = Map::new();
                obj.insert("__type".into(), json!("Validation Error"));
                for n in names {
                    obj.insert(n.clone(), json!(["Unknown parameter"]));
                }
                (StatusCode::BAD_REQUEST, Value::Object(obj))
            }
            ApiError::Action(e) => match e {
                ActionError::Validation(fields) => {
                    let mut obj = Map::new();
                    obj.insert("__type".into(), json!("Validation Error"));
                    for (k, v) in &fields.0 {
                        // CKAN reports tag errors per tag, as
                        // `[{"name": ["message"]}]`; its ValidationError
                        // (which ckanapi raises when CKAN is installed
                        // beside it) expects that shape and fails on plain
                        // strings.
                        let v = if k == "tags" {
                            json!(v.iter().map(|m| json!({"name": [m]})).collect::<Vec<_>>())
                        } else {
                            json!(v)
                        };
                        obj.insert(k.clone(), v);
                    }
                    (StatusCode::CONFLICT, Value::Object(obj))
                }
                ActionError::NotAuthorized(m) => (
                    StatusCode::FORBIDDEN,
                    json!({"__type": "Authorization Error", "message": format!("Access denied: {m}")}),
                ),
                ActionError::NotFound(m) => (
                    StatusCode::NOT_FOUND,
                    json!({"__type": "Not Found Error", "message": format!("Not found: {m}")}),
                ),
                ActionError::SearchQuery(m) => (
                    StatusCode::BAD_REQUEST,
                    json!({"__type": "Search Query Error", "message": format!("Search Query is invalid: {m}")}),
                ),
                ActionError::TooMany(m) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    json!({"__type": "Validation Error", "message": m}),
                ),
                ActionError::TooLarge(m) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    json!({"__type": "Validation Error", "upload": [m]}),
                ),
                ActionError::Internal(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"__type": "Internal Server Error", "message": "Internal Server Error"}),
                ),
            },
        }
    }

    /// The full response for action `name`.
    pub fn into_envelope(self, help: &str) -> Response {
        if let ApiError::Action(ActionError::Internal(detail)) = &self {
            tracing::error!(error = %detail, "internal error in API action");
        }
        let (status, error) = self.status_and_error();
        let body = match error {
            Value::String(_) => error,
            error => json!({"help": help, "success": false, "error": error}),
        };
        (status, axum::Json(body)).into_response()
    }
}
