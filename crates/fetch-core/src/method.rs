//! The request method (FETCHOPT_CUSTOMREQUEST, NOBODY, POST, UPLOAD): a
//! custom name is checked to be an HTTP token before it can reach a
//! request line.

use crate::error::{Error, ErrorCode};

/// The request method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// GET (the default).
    Get,
    /// HEAD: no response body is read (FETCHOPT_NOBODY).
    Head,
    /// POST with the request body.
    Post,
    /// PUT with the request body.
    Put,
    /// Any other method name, sent as given (FETCHOPT_CUSTOMREQUEST).
    Custom(String),
}

impl Method {
    /// A custom method (FETCHOPT_CUSTOMREQUEST), checked: a method is an
    /// HTTP token, so control characters, spaces and separators (which
    /// could smuggle a second request) are refused with
    /// FETCHE_BAD_FUNCTION_ARGUMENT.
    pub fn custom(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        if is_token(&name) {
            Ok(Self::Custom(name))
        } else {
            Err(bad_method(&name))
        }
    }

    /// Whether the method can be written into a request line as it is.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self {
            Self::Custom(name) if !is_token(name) => Err(bad_method(name)),
            _ => Ok(()),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Custom(m) => m,
        }
    }
}

/// RFC 9110 `token`: one or more tchar.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn bad_method(name: &str) -> Error {
    Error::new(
        ErrorCode::BadFunctionArgument,
        format!("Invalid request method {name:?}: not an HTTP token"),
    )
}
