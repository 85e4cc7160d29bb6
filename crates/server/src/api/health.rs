//! Liveness, readiness and metrics for load balancers and Prometheus.

use crate::app::AppState;
use crate::error::ErrorCode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::sync::Arc;

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The server can serve: the database answers and the reference geography is loaded.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = String), (status = 503, body = crate::error::ErrorBody)))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> axum::response::Response {
    match state.store.ping().await {
        Ok(()) if !state.units.is_empty() => {
            let stats = state.units.gazetteer().stats();
            let body = if stats.streets == 0 {
                "ready\nnote: street lookup is off: the units folder has no streets.csv, so \
                 addresses resolve by unit names only\n"
                    .to_owned()
            } else {
                format!(
                    "ready\nstreets: {} ({} with lines), places: {}\n",
                    stats.streets, stats.streets_with_lines, stats.places
                )
            };
            (StatusCode::OK, body).into_response()
        }
        Ok(()) => crate::error::ApiError::new(ErrorCode::NotReady, "no reference units loaded")
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            crate::error::ApiError::new(ErrorCode::NotReady, "the database does not answer")
                .into_response()
        }
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, body = String)))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    state.metrics.gauge(
        "binhyen_uptime_seconds",
        &[],
        state.started.elapsed().as_secs() as i64,
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
