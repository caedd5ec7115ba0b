//! Lets the `oauth2` crate send its requests through the shared, retrying HTTP client.

use futures_util::future::BoxFuture;

use crate::http::{ApiError, Http, Idempotency, Service};

/// An `oauth2` async HTTP client backed by [`Http`]. `idempotency` says whether a request
/// whose answer was lost may be sent again: device code polls may; a refresh token or an
/// authorization code, which may be good for one use only, may not.
pub fn client(
    http: &Http,
    service: Service,
    idempotency: Idempotency,
) -> impl Fn(oauth2::HttpRequest) -> BoxFuture<'static, Result<oauth2::HttpResponse, ApiError>> + use<>
{
    let http = http.clone();
    move |request: oauth2::HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = parts.uri.to_string();
            let response = http
                .send(service, idempotency, |client| {
                    client
                        .request(parts.method.clone(), &url)
                        .headers(parts.headers.clone())
                        .body(body.clone())
                })
                .await?;
            let mut builder = oauth2::http::Response::builder().status(response.status);
            for (name, value) in &response.headers {
                builder = builder.header(name, value);
            }
            builder
                .body(response.body.to_vec())
                .map_err(|e| ApiError::malformed(service, format!("unreadable response: {e}")))
        })
    }
}
