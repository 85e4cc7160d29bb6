//! Serves the router over plain HTTP or HTTPS within a budget of its own, so that slow or idle
//! web clients can never take what the alarm receiver and the consoles need:
//!
//! - at most [`HttpLimits::max_connections`] connections at once: the next connection is
//!   accepted only when one ends (it waits in the kernel's backlog meanwhile, and is served as
//!   soon as a slow client has timed out); DC-09 connections have their own limits;
//! - a client has [`HttpLimits::header_timeout`] to send a request's headers, counted from the
//!   moment the connection waits for a request, so a kept-alive connection that stays idle
//!   that long is closed too;
//! - a request body that stalls for [`HttpLimits::body_timeout`] is answered 408;
//! - a TLS handshake has 10 seconds.
//!
//! Upgraded connections (the live feed's WebSocket) leave the budget once upgraded; they are
//! bounded by sign-in, not by this limit.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

/// The HTTP side's budget (flags `--http-max-connections`, `--http-header-secs`,
/// `--http-body-secs`).
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Open HTTP connections at most.
    pub max_connections: usize,
    /// Time to send a request's headers, from the moment the connection waits for one (so
    /// also the longest idle keep-alive).
    pub header_timeout: Duration,
    /// Longest pause while a request body is being read.
    pub body_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// How long a TLS handshake may take.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

/// Serves `app` until `stop` turns true, then lets open connections finish (30 s at most).
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    app: Router,
    limits: HttpLimits,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_timeout,
    ));
    let acceptor = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let budget = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    loop {
        // A slot first, then the connection: over budget, new clients wait in the backlog.
        let permit = tokio::select! {
            permit = budget.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors, usually: wait a moment rather than spin.
                tracing::warn!(error = %e, "HTTP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        let builder = builder.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    app.clone().oneshot(request.map(axum::body::Body::new))
                },
            );
            let result = match acceptor {
                Some(acceptor) => {
                    let tls = match tokio::time::timeout(TLS_HANDSHAKE, acceptor.accept(tcp)).await
                    {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    };
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
                    watcher.watch(connection.into_owned()).await
                }
                None => {
                    let connection =
                        builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
                    watcher.watch(connection.into_owned()).await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("some connections were still open after 30 s; closing them");
        }
    }
    Ok(())
}

/// Raises the process's soft limit on open files to its hard limit (every socket is a file:
/// with the usual soft limit of 1024, a thousand idle web clients would leave no descriptor
/// for a panel's connection). Returns `(soft before, soft now, hard)`.
#[cfg(unix)]
pub fn raise_open_files_limit() -> std::io::Result<(u64, u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        limit = raised;
    }
    Ok((before, limit.rlim_cur, limit.rlim_max))
}

/// Not on this platform.
#[cfg(not(unix))]
pub fn raise_open_files_limit() -> std::io::Result<(u64, u64, u64)> {
    Err(std::io::Error::other("not supported on this platform"))
}
