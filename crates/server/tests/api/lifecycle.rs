//! The server as an operator runs it: HTTPS, a backup while it serves, restart on the same data,
//! SIGTERM, and the clear error when the reference geography is missing.

use crate::common;

use common::{free_port, unique, units_dir};
use server::config::{Config, LogFormat};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The admin password of a first start comes from the process environment, which the tests
/// that start the server in this process share: each holds this lock while it runs, so that
/// one test's password never reaches another's first start.
static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config(data_dir: PathBuf) -> Config {
    Config {
        data_dir,
        http: "127.0.0.1:0".parse().unwrap(),
        dc09: vec![],
        units: units_dir(),
        database_url: None,
        tls: None,
        log_format: LogFormat::Text,
        kb: server::config::default_kb_dir(),
        receiver: Default::default(),
        http_limits: Default::default(),
        notify: Default::default(),
        avl: Default::default(),
    }
}

#[tokio::test]
async fn https_serves_with_secure_cookies() {
    let _env = ENV.lock().await;
    let dir = std::env::temp_dir().join(unique("binhyen-tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD);
    let mut cfg = config(dir.join("data"));
    cfg.tls = Some((dir.join("cert.pem"), dir.join("key.pem")));
    let running = server::app::start(cfg).await.unwrap();

    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let body = format!(
        "{{\"username\":\"admin\",\"password\":\"{}\"}}",
        common::ADMIN_PASSWORD
    );
    let tcp = tokio::net::TcpStream::connect(running.http).await.unwrap();
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tls.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let cookie = response
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP on the TLS port is not served.
    let mut plain = tokio::net::TcpStream::connect(running.http).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut buf),
    )
    .await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));

    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn backup_while_serving_and_restart_keep_the_data() {
    let _env = ENV.lock().await;
    let dir = std::env::temp_dir().join(unique("binhyen-backup"));
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD);
    let running = server::app::start(config(dir.clone())).await.unwrap();
    let base = format!("http://{}", running.http);
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let r = client
        .post(format!("{base}/api/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"username": "truc.ban", "role": "operator", "password": "mat-khau-truc-ban"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // The backup command runs in its own process beside the live server.
    let backup = dir.join("copy.db");
    let out = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["backup", "--units"])
        .arg(units_dir())
        .arg("--data-dir")
        .arg(&dir)
        .arg("--to")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = store::Store::open(&store::DbTarget::Sqlite(backup.clone()))
        .await
        .unwrap();
    let names: Vec<String> = copy
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin", "truc.ban"]);
    copy.close().await;
    // A second backup to the same file is refused rather than overwriting it.
    let again = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["backup", "--units"])
        .arg(units_dir())
        .arg("--data-dir")
        .arg(&dir)
        .arg("--to")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!again.status.success());

    running.stop().await.unwrap();
    // Restart on the same data: the accounts are there and admin is not created again.
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", "another-password-now");
    let running = server::app::start(config(dir.clone())).await.unwrap();
    let r = client
        .post(format!("http://{}/api/auth/login", running.http))
        .json(&serde_json::json!({"username": "truc.ban", "password": "mat-khau-truc-ban"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("http://{}/api/auth/login", running.http))
        .json(&serde_json::json!({"username": "admin", "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the first admin password still holds");
    running.stop().await.unwrap();
    std::env::set_var("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_reference_geography_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .arg("serve")
        .env_remove("BINHYEN_UNITS")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--units") && err.contains("units.csv"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["serve", "--units", "/nonexistent/folder"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/folder"), "{err}");
}

/// The first start prints one framed block with the console's address, where alarms are
/// received and the generated admin password, which then signs in; a restart shows no password.
#[tokio::test]
async fn the_first_start_frames_the_console_address_and_the_admin_password() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(unique("binhyen-welcome"));
    let (http, dc09) = (free_port(), free_port());
    let start = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_binhyen"))
            .args(["serve", "--units"])
            .arg(units_dir())
            .arg("--data-dir")
            .arg(&dir)
            .args(["--http", &format!("127.0.0.1:{http}")])
            .args(["--dc09", &format!("127.0.0.1:{dc09}")])
            .env_remove("BINHYEN_ADMIN_PASSWORD")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut block = Vec::new();
        for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let end = line.starts_with('└');
            block.push(line);
            if end {
                break;
            }
        }
        (child, block)
    };
    let stop = |child: std::process::Child| {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait_with_output().unwrap();
    };
    let (child, block) = start();
    assert!(block[0].starts_with('┌'), "{block:#?}");
    let text = block.join("\n");
    assert!(
        text.contains(&format!("Console:  http://127.0.0.1:{http}/")),
        "{text}"
    );
    assert!(
        text.contains(&format!("DC-09:    127.0.0.1:{dc09} (TCP and UDP)")),
        "{text}"
    );
    // Every line of the frame is as wide as the others.
    let widths: Vec<usize> = block.iter().map(|l| l.chars().count()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{text}");
    let password = block
        .iter()
        .find_map(|l| l.split("Sign in:  admin / ").nth(1))
        .map(|rest| rest.trim_end_matches(['│', ' ']).to_owned())
        .expect("the first start shows the password");
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{http}/api/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the password shown signs in");
    stop(child);
    let (child, block) = start();
    let text = block.join("\n");
    assert!(text.contains("Console:"), "{text}");
    assert!(!text.contains("Sign in:"), "shown only once: {text}");
    stop(child);
    let _ = std::fs::remove_dir_all(dir);
}

/// The commands that work on the database show their own flags, not the server's, and `serve
/// --help` states its defaults.
#[test]
fn each_command_shows_its_own_flags_and_serve_its_defaults() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_binhyen"))
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        // The help wraps to the terminal's width: compare words, not lines.
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for command in [
        &["backup"][..],
        &["user", "add"],
        &["user", "disable"],
        &["gen-history"],
        &["gen-residents"],
        &["quality-check"],
    ] {
        let text = help(command);
        assert!(text.contains("--data-dir"), "{command:?}: {text}");
        for server_only in ["--http", "--dc09", "--tls-cert", "--kb"] {
            assert!(
                !text.contains(server_only),
                "{command:?} lists {server_only}"
            );
        }
    }
    let serve = help(&["serve"]);
    for said in [
        "[default: 127.0.0.1:8080]",
        "[default: binhyen-data]",
        "[default: 127.0.0.1:7100 when --http is not given either, else none]",
        "[required: here, in BINHYEN_UNITS or in the configuration file]",
    ] {
        assert!(serve.contains(said), "serve --help lacks {said}: {serve}");
    }
}

/// Only a unit officer's account needs the reference geography (to check the unit).
#[test]
fn user_add_needs_the_units_only_for_a_unit_officer() {
    let dir = std::env::temp_dir().join(unique("binhyen-user-add"));
    let officer = [
        "--username",
        "cong.an",
        "--role",
        "unit_officer",
        "--unit",
        "00004",
    ];
    let add = |account: &[&str], units: Option<PathBuf>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_binhyen"));
        command
            .args(["user", "add", "--data-dir"])
            .arg(&dir)
            .args(account)
            .env_remove("BINHYEN_UNITS")
            .env("BINHYEN_PASSWORD", "mat-khau-du-dai-123");
        if let Some(units) = units {
            command.arg("--units").arg(units);
        }
        command.output().unwrap()
    };
    let out = add(&["--username", "truc.ban", "--role", "operator"], None);
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = add(&officer, None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--units"), "{}", stderr(&out));
    let out = add(&officer, Some(units_dir()));
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(dir);
}

/// `simulate` against an address where nothing listens fails instead of reporting zeros.
#[test]
fn simulate_fails_when_nothing_is_acknowledged() {
    let port = free_port();
    let out = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args([
            "simulate",
            "--devices",
            "2",
            "--duration",
            "0.3",
            "--timeout",
            "0.2",
        ])
        .args(["--target", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no message was acknowledged"), "{err}");
}

#[test]
fn sigterm_stops_gracefully() {
    let dir = std::env::temp_dir().join(unique("binhyen-sigterm"));
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["serve", "--units"])
        .arg(units_dir())
        .arg("--data-dir")
        .arg(&dir)
        .args(["--http", &format!("127.0.0.1:{port}")])
        .env("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("database closed"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sigterm_during_start_up_still_stops_cleanly() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(unique("binhyen-sigterm-early"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_binhyen"))
        .args(["serve", "--units"])
        .arg(units_dir())
        .arg("--data-dir")
        .arg(&dir)
        .args(["--http", "127.0.0.1:0"])
        .env("BINHYEN_ADMIN_PASSWORD", common::ADMIN_PASSWORD)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first log line comes once the stop signals are handled; the server is still starting
    // (loading the units, migrating) when SIGTERM arrives.
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("starting binhyen") {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for line in lines {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{log}");
    assert!(log.contains("database closed"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}
