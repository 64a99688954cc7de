//! Modelled errors, shaped the way the Rust SDK parses them.
//!
//! The SDK takes the code from `x-amzn-errortype` first and the body's `__type` second, so both
//! are sent; the extra members (`reason`, `resourceId`, ...) sit beside `message` in the body.

use serde_json::{Map, Value};

/// One error response: status, code and the body members besides `__type`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub members: Map<String, Value>,
    /// Seconds for the `Retry-After` header; only throttling sends it.
    pub retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            members: Map::new(),
            retry_after: None,
        }
    }

    fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.members
            .insert(key.to_string(), Value::String(value.into()));
        self
    }

    /// A request member failed the model's constraints.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message).with("reason", "FIELD_VALIDATION_FAILED")
    }

    /// The body or a token could not be parsed at all.
    pub fn cannot_parse(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message).with("reason", "CANNOT_PARSE")
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDeniedException", message)
    }

    /// `resource_type` must be one of the model's `ResourceType` values when given; package
    /// groups and policies have none, so they leave it out rather than invent one.
    pub fn not_found(
        message: impl Into<String>,
        resource_id: impl Into<String>,
        resource_type: Option<&str>,
    ) -> Self {
        let error =
            Self::new(404, "ResourceNotFoundException", message).with("resourceId", resource_id);
        match resource_type {
            Some(kind) => error.with("resourceType", kind),
            None => error,
        }
    }

    pub fn conflict(message: impl Into<String>, resource_id: impl Into<String>) -> Self {
        Self::new(409, "ConflictException", message).with("resourceId", resource_id)
    }

    pub fn throttling(retry_after: u32) -> Self {
        let mut error = Self::new(
            429,
            "ThrottlingException",
            "Rate exceeded (injected by the emulator)",
        );
        error.retry_after = Some(retry_after);
        error
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerException", message)
    }

    /// No operation is routed at this method + path; the SDK never sends this, a person might.
    pub fn unknown_operation(method: &str, path: &str) -> Self {
        Self::new(
            404,
            "UnknownOperationException",
            format!("no CodeArtifact operation at {method} {path} in this emulator"),
        )
    }

    /// No SigV4 at all: neither an `Authorization` header nor presigned query parameters.
    pub fn missing_authentication_token() -> Self {
        Self::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    /// SigV4 is there but cannot be read: a part is missing or malformed.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(400, "IncompleteSignatureException", message)
    }

    /// SigV4 is well formed but scoped to another service.
    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(403, "InvalidSignatureException", message)
    }

    /// The JSON body: `__type`, `message` and the extra members.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), Value::String(self.code.to_string()));
        body.insert("message".into(), Value::String(self.message.clone()));
        for (key, value) in &self.members {
            body.insert(key.clone(), value.clone());
        }
        Value::Object(body)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
