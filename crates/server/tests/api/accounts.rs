//! Accounts and sign-in under attack: bounded rate-limiter memory, lockout per account and
//! source, password change, disabling an account, revoking sessions, sign-in audit and 2-step
//! verification.

use crate::common;

use common::{error_code, Backend, TestServer, ADMIN_PASSWORD};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::net::IpAddr;

/// A client whose requests come from `127.0.0.N` (every loopback address reaches the server).
fn client_from(n: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::from([127, 0, 0, n]))
        .build()
        .expect("client")
}

async fn login_from(
    s: &TestServer,
    client: &Client,
    username: &str,
    password: &str,
    extra: &[(&str, String)],
) -> Response {
    let mut request = client
        .post(s.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password}));
    for (name, value) in extra {
        request = request.header(*name, value);
    }
    request.send().await.expect("login request")
}

/// The value of a gauge in the Prometheus text of `/metrics`.
async fn gauge(s: &TestServer, series: &str) -> i64 {
    let text = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in metrics:\n{text}"))
}

/// The `Set-Cookie` value (name=value) of cookie `name`.
fn set_cookie(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

async fn user_id(s: &TestServer, admin: &str, username: &str) -> i64 {
    let users: Value = s
        .get(admin, "/api/users")
        .await
        .json()
        .await
        .expect("users");
    users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["username"] == username)
        .and_then(|u| u["id"].as_i64())
        .expect("user id")
}

async fn audit_rows(s: &TestServer, admin: &str, object_type: &str) -> Vec<Value> {
    let r = s
        .get(
            admin,
            &format!("/api/audit?object_type={object_type}&limit=1000"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Vec<Value>>().await.expect("audit rows")
}

/// Regression (hostile test of #20): 600 sign-ins with huge usernames from 60 addresses grew
/// the limiter by 600 MB. Usernames over 64 bytes are refused before any throttle sees them,
/// and the throttles hold one small entry per address.
async fn long_usernames_leave_the_limiter_bounded(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let huge = "u".repeat(200_000);
    for n in 2..12u8 {
        let client = client_from(n);
        for i in 0..6 {
            let r = login_from(&s, &client, &format!("{huge}{i}"), "whatever", &[]).await;
            assert_eq!(
                error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
                "invalid_field"
            );
        }
    }
    // One more attempt publishes the sizes as they are after the flood.
    let r = login_from(&s, &client_from(2), "nobody", "wrong-password", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let addresses = gauge(&s, "binhyen_login_guard_entries{table=\"addresses\"}").await;
    assert_eq!(
        addresses, 10,
        "one entry per address, whatever the usernames"
    );
    let locks = gauge(&s, "binhyen_login_guard_entries{table=\"locks\"}").await;
    assert_eq!(locks, 0, "refused usernames never reach the lock table");
    // A username of exactly 64 bytes is an ordinary (failed) sign-in.
    let r = login_from(&s, &client_from(2), &"v".repeat(64), "wrong-password", &[]).await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "invalid_credentials"
    );
    s.stop().await;
}

/// Regression (hostile test of #20): ten wrong passwords locked the admin account from every
/// address. Now the lock holds the guessing address only; the owner signs in from elsewhere,
/// and from the guessing address with a known-device cookie or a live session.
async fn attacker_cannot_lock_out_the_owner(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let shared = client_from(2);
    // The owner signed in once from the shared address: that browser is a known device.
    let r = login_from(&s, &shared, "admin", ADMIN_PASSWORD, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let device = set_cookie(&r, "binhyen_device").expect("known-device cookie");
    let session: Value = r.json().await.expect("login body");
    let token = session["token"].as_str().expect("token").to_owned();

    // Someone at the same address guesses.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            login_from(&s, &shared, "admin", "guessing-wrong", &[])
                .await
                .status(),
        );
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5], "{statuses:?}");
    assert_eq!(
        statuses[5..],
        [StatusCode::TOO_MANY_REQUESTS; 3],
        "{statuses:?}"
    );
    // Locked for this address, even with the right password ...
    let r = login_from(&s, &shared, "admin", ADMIN_PASSWORD, &[]).await;
    assert_eq!(
        error_code(r, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    // ... but not from another address,
    let r = login_from(&s, &client_from(3), "admin", ADMIN_PASSWORD, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // nor for the owner's known device or live session at the locked address,
    let r = login_from(
        &s,
        &shared,
        "admin",
        ADMIN_PASSWORD,
        &[("cookie", device.clone())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bearer = ("authorization", format!("Bearer {token}"));
    let r = login_from(&s, &shared, "admin", ADMIN_PASSWORD, &[bearer]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // and the known device still needs the right password.
    let r = login_from(
        &s,
        &shared,
        "admin",
        "guessing-wrong",
        &[("cookie", device)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Other accounts are not locked at that address.
    let admin = s.admin().await;
    s.user(&admin, "truc.ban", "operator", None).await;
    let r = login_from(&s, &shared, "truc.ban", "truc.ban-mat-khau-dai", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

async fn password_change_and_reset(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let old = "truc.ban-mat-khau-dai";
    let a = s.user(&admin, "truc.ban", "operator", None).await;
    let b = s.login("truc.ban", old).await;
    let id = user_id(&s, &admin, "truc.ban").await;

    let r = s
        .post(
            &a,
            "/api/auth/password",
            &json!({"current_password": "not-the-password", "new_password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "wrong_password");
    let r = s
        .post(
            &a,
            "/api/auth/password",
            &json!({"current_password": old, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "weak_password"
    );
    let r = s
        .post(
            &a,
            "/api/auth/password",
            &json!({"current_password": old, "new_password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sessions_revoked"], 1, "the other session ends");
    assert_eq!(s.get(&a, "/api/auth/me").await.status(), StatusCode::OK);
    assert_eq!(
        s.get(&b, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = login_from(&s, &s.client, "truc.ban", old, &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let c = s.login("truc.ban", "mat-khau-moi-2026").await;

    // An administrator resets it: every session of the account ends.
    let r = s
        .post(
            &a,
            &format!("/api/users/{id}/password"),
            &json!({"new_password": "x".repeat(12)}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &admin,
            &format!("/api/users/{id}/password"),
            &json!({"new_password": "mat-khau-cap-lai-2026"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sessions_revoked"], 2);
    for token in [&a, &c] {
        assert_eq!(
            s.get(token, "/api/auth/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    s.login("truc.ban", "mat-khau-cap-lai-2026").await;
    let r = s
        .post(
            &admin,
            "/api/users/999999/password",
            &json!({"new_password": "mat-khau-cap-lai-2026"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");

    let rows = audit_rows(&s, &admin, "user").await;
    for action in ["user.password_change", "user.password_reset"] {
        let row = rows
            .iter()
            .find(|r| r["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in the audit"));
        assert_eq!(row["object_id"], id.to_string());
    }
    let text = serde_json::to_string(&rows).unwrap();
    assert!(!text.contains("mat-khau-cap-lai-2026") && !text.contains("argon2"));
    s.stop().await;
}

async fn disabled_account_stops_at_once(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let token = s.user(&admin, "can.bo", "leader", None).await;
    let id = user_id(&s, &admin, "can.bo").await;
    let admin_id = user_id(&s, &admin, "admin").await;
    assert_eq!(s.get(&token, "/api/auth/me").await.status(), StatusCode::OK);

    let r = s
        .post(
            &token,
            &format!("/api/users/{admin_id}/disable"),
            &json!(null),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    let r = s
        .post(
            &admin,
            &format!("/api/users/{admin_id}/disable"),
            &json!(null),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "cannot_disable_self"
    );

    let r = s
        .post(&admin, &format!("/api/users/{id}/disable"), &json!(null))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["disabled"], true);
    // The live session stops at once, and the password no longer signs in.
    assert_eq!(
        s.get(&token, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = login_from(&s, &s.client, "can.bo", "can.bo-mat-khau-dai", &[]).await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "invalid_credentials"
    );

    let r = s
        .post(&admin, &format!("/api/users/{id}/enable"), &json!(null))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Enabled again: a new sign-in works, the old session stays ended.
    s.login("can.bo", "can.bo-mat-khau-dai").await;
    assert_eq!(
        s.get(&token, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let rows = audit_rows(&s, &admin, "user").await;
    let disable = rows
        .iter()
        .find(|r| r["action"] == "user.disable")
        .expect("user.disable audited");
    assert_eq!(disable["actor_name"], "admin");
    assert_eq!(disable["summary"]["after"]["disabled"], true);
    assert!(rows.iter().any(|r| r["action"] == "user.enable"));
    s.stop().await;
}

async fn name_role_and_unit_are_changed(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let token = s
        .user(&admin, "cb.badinh", "unit_officer", Some("00004"))
        .await;
    let id = user_id(&s, &admin, "cb.badinh").await;
    let admin_id = user_id(&s, &admin, "admin").await;
    let path = format!("/api/users/{id}/assignment");
    let put = |token: &str, path: &str, body: Value| {
        s.client
            .put(s.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    // The chief of Ba Đình, for the chain of responsibility of its tasks.
    let r = s
        .client
        .put(s.url("/api/units/00004/chief"))
        .bearer_auth(&admin)
        .json(&json!({"user_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let chiefs: Value = s
        .get(&admin, "/api/unit-chiefs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(chiefs, json!([{"unit_code": "00004", "user_id": id}]));
    assert_eq!(
        error_code(
            s.get(&token, "/api/unit-chiefs").await,
            StatusCode::FORBIDDEN
        )
        .await,
        "forbidden"
    );

    // Bad requests change nothing.
    for (body, code) in [
        (
            json!({"display_name": "A", "role": "unit_officer", "unit_code": null}),
            "invalid_field",
        ),
        (
            json!({"display_name": "A", "role": "operator", "unit_code": "00004"}),
            "invalid_field",
        ),
        (
            json!({"display_name": "A", "role": "unit_officer", "unit_code": "99999"}),
            "unknown_unit",
        ),
        (
            json!({"display_name": " ", "role": "leader", "unit_code": null}),
            "invalid_field",
        ),
        (
            json!({"display_name": "A", "role": "establishment", "unit_code": null}),
            "invalid_field",
        ),
    ] {
        let r = put(&admin, &path, body.clone()).await.unwrap();
        assert_eq!(
            error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{body}"
        );
    }
    let r = put(
        &admin,
        "/api/users/999999/assignment",
        json!({"display_name": "A", "role": "leader", "unit_code": null}),
    )
    .await
    .unwrap();
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await, "not_found");
    let r = put(
        &admin,
        &format!("/api/users/{admin_id}/assignment"),
        json!({"display_name": "Quản trị", "role": "operator", "unit_code": null}),
    )
    .await
    .unwrap();
    assert_eq!(error_code(r, StatusCode::CONFLICT).await, "conflict");
    let r = put(
        &token,
        &path,
        json!({"display_name": "A", "role": "admin", "unit_code": null}),
    )
    .await
    .unwrap();
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "forbidden");
    assert_eq!(s.get(&token, "/api/auth/me").await.status(), StatusCode::OK);

    // A new name alone keeps the session.
    let r = put(
        &admin,
        &path,
        json!({"display_name": "Nguyễn Văn Bình", "role": "unit_officer", "unit_code": "00004"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(s.get(&token, "/api/auth/me").await.status(), StatusCode::OK);
    // Moved to Ngọc Hà: the session ends, the next sign-in sees the new unit, and the account
    // is no longer Ba Đình's chief.
    let r = put(
        &admin,
        &path,
        json!({"display_name": "Nguyễn Văn Bình", "role": "unit_officer", "unit_code": "00008"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["unit_code"], "00008");
    assert_eq!(view["display_name"], "Nguyễn Văn Bình");
    assert_eq!(
        s.get(&token, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = s.login("cb.badinh", "cb.badinh-mat-khau-dai").await;
    let me: Value = s.get(&again, "/api/auth/me").await.json().await.unwrap();
    assert_eq!(me["unit_code"], "00008");
    let chiefs: Value = s
        .get(&admin, "/api/unit-chiefs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(chiefs, json!([]));
    let rows = audit_rows(&s, &admin, "user").await;
    let moved = rows
        .iter()
        .find(|r| r["action"] == "user.assignment")
        .expect("user.assignment audited");
    assert_eq!(moved["summary"]["after"]["unit_code"], "00008", "{moved}");
    s.stop().await;
}

async fn all_sessions_revoked(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let a = s.user(&admin, "truc.ban", "operator", None).await;
    let b = s.login("truc.ban", "truc.ban-mat-khau-dai").await;
    let id = user_id(&s, &admin, "truc.ban").await;
    let r = s
        .client
        .delete(s.url(&format!("/api/users/{id}/sessions")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sessions_revoked"], 2);
    for token in [&a, &b] {
        assert_eq!(
            s.get(token, "/api/auth/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(s.get(&admin, "/api/auth/me").await.status(), StatusCode::OK);
    let rows = audit_rows(&s, &admin, "user").await;
    let row = rows
        .iter()
        .find(|r| r["action"] == "user.sessions_revoke")
        .expect("audited");
    assert_eq!(row["summary"]["sessions_revoked"], 2);
    s.stop().await;
}

async fn sign_ins_are_audited_without_the_password(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let guess = "doan-mat-khau-bi-mat";
    let r = login_from(&s, &client_from(4), "admin", guess, &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let ghost = "g".repeat(64);
    let r = login_from(&s, &client_from(4), &ghost, guess, &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let admin = s.admin().await;
    let rows = audit_rows(&s, &admin, "sign_in").await;
    let failed: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "auth.sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{rows:?}");
    assert!(failed.iter().any(|r| r["summary"]["username"] == "admin"
        && r["summary"]["reason"] == "wrong_password"
        && r["summary"]["address"] == "127.0.0.4"
        && r["actor_name"] == "client:127.0.0.4"));
    assert!(failed
        .iter()
        .any(|r| r["summary"]["username"] == ghost.as_str() && r["object_id"] == ""));
    let ok = rows
        .iter()
        .find(|r| r["action"] == "auth.sign_in")
        .expect("sign-in audited");
    assert_eq!(ok["actor_name"], "admin");
    assert!(!serde_json::to_string(&rows).unwrap().contains(guess));
    s.stop().await;
}

fn code(secret_base32: &str, step: i64) -> String {
    let secret = server::auth::totp::base32_decode(secret_base32).expect("base32 secret");
    server::auth::totp::code_for_step(&secret, step)
}

fn step_now() -> i64 {
    server::auth::totp::step_at(chrono::Utc::now().timestamp())
}

async fn login_with_code(
    s: &TestServer,
    username: &str,
    password: &str,
    code: Option<&str>,
) -> Response {
    s.client
        .post(s.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password, "totp_code": code}))
        .send()
        .await
        .expect("login request")
}

async fn two_step_sign_in(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let password = "truc.ban-mat-khau-dai";
    let token = s.user(&admin, "truc.ban", "operator", None).await;
    let users: Value = s.get(&admin, "/api/users").await.json().await.unwrap();
    let flagged: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["needs_totp"] == true)
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(
        flagged,
        ["admin", "truc.ban"],
        "admin and operator without 2-step are flagged"
    );

    // Enrolment asks for the password, then hands out a secret.
    let r = s
        .post(
            &token,
            "/api/auth/totp",
            &json!({"password": "wrong-password"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await, "wrong_password");
    let r = s
        .post(&token, "/api/auth/totp", &json!({"password": password}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let enrolment: Value = r.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/B%C3%ACnh%20Y%C3%AAn:truc.ban?secret="),
        "{uri}"
    );
    assert!(uri.contains(&secret) && uri.contains("digits=6") && uri.contains("period=30"));
    assert_eq!(enrolment["sealed"], backend == Backend::Sqlite);
    if backend == Backend::Sqlite {
        // The database alone does not give the secret away.
        let db = s.store().await;
        let stored = db.user_by_username("truc.ban").await.unwrap().unwrap();
        let pending = stored.totp_pending.expect("pending secret");
        assert!(pending.starts_with("sealed:") && !pending.contains(&secret));
        db.close().await;
    }
    // Not in force until confirmed.
    let r = login_with_code(&s, "truc.ban", password, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .post(
            &token,
            "/api/auth/totp/confirm",
            &json!({"code": "000000x"}),
        )
        .await;
    // A mistyped code while enrolling is a wrong field, not a lost session.
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_field"
    );
    let step = step_now();
    let r = s
        .post(
            &token,
            "/api/auth/totp/confirm",
            &json!({"code": code(&secret, step)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["totp_enabled"], true);
    assert_eq!(view["needs_totp"], false);
    let r = s
        .post(&token, "/api/auth/totp", &json!({"password": password}))
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await,
        "totp_already_enabled"
    );

    // Sign-in now needs a code.
    let r = login_with_code(&s, "truc.ban", password, None).await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "totp_required"
    );
    let wrong = format!(
        "{:06}",
        (code(&secret, step).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let r = login_with_code(&s, "truc.ban", password, Some(&wrong)).await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "invalid_totp"
    );
    // The confirming code is used up; the next step's code (within the skew) signs in once.
    let r = login_with_code(&s, "truc.ban", password, Some(&code(&secret, step))).await;
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, "totp_reused");
    let next = code(&secret, step + 1);
    let r = login_with_code(&s, "truc.ban", password, Some(&next)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = login_with_code(&s, "truc.ban", password, Some(&next)).await;
    assert_eq!(error_code(r, StatusCode::UNAUTHORIZED).await, "totp_reused");
    // A right code with a wrong password is still refused.
    let r = login_with_code(
        &s,
        "truc.ban",
        "wrong-password",
        Some(&code(&secret, step + 1)),
    )
    .await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await,
        "invalid_credentials"
    );

    // A lost phone: the administrator turns it off, and the password alone signs in again.
    let id = user_id(&s, &admin, "truc.ban").await;
    let r = s
        .client
        .delete(s.url(&format!("/api/users/{id}/totp")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = login_with_code(&s, "truc.ban", password, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = audit_rows(&s, &admin, "user").await;
    for action in ["user.totp_enable", "user.totp_clear"] {
        assert!(rows.iter().any(|r| r["action"] == action), "{action}");
    }
    assert!(!serde_json::to_string(&rows).unwrap().contains(&secret));
    s.stop().await;
}

/// The `binhyen user …` commands change accounts of a running server's database, audited
/// as the command line.
async fn user_commands(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let token = s.user(&admin, "truc.ban", "operator", None).await;
    let run = |args: &[&str], password: Option<&str>| {
        let config = s.config();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_binhyen"));
        cmd.arg("user")
            .args(args)
            .args(["--username", "truc.ban", "--units"])
            .arg(&config.units)
            .arg("--data-dir")
            .arg(&config.data_dir)
            .env_remove("BINHYEN_PASSWORD");
        if let Some(url) = &config.database_url {
            cmd.arg("--database-url").arg(url);
        }
        if let Some(p) = password {
            cmd.env("BINHYEN_PASSWORD", p);
        }
        let out = cmd.output().expect("run binhyen");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run(&["disable"], None);
    assert!(out.contains("truc.ban: disabled"), "{out}");
    assert_eq!(
        s.get(&token, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    run(&["enable"], None);
    run(&["passwd"], Some("mat-khau-tu-dong-lenh"));
    let fresh = s.login("truc.ban", "mat-khau-tu-dong-lenh").await;
    let out = run(&["revoke-sessions"], None);
    assert!(out.contains("1 session(s) ended"), "{out}");
    assert_eq!(
        s.get(&fresh, "/api/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    run(&["reset-totp"], None);
    let rows = audit_rows(&s, &admin, "user").await;
    for action in [
        "user.disable",
        "user.enable",
        "user.password_reset",
        "user.sessions_revoke",
        "user.totp_clear",
    ] {
        let row = rows
            .iter()
            .find(|r| r["action"] == action)
            .unwrap_or_else(|| panic!("no {action}"));
        assert_eq!(row["actor_name"], "system:cli");
    }
    s.stop().await;
}

api_on_both_backends!(
    long_usernames_leave_the_limiter_bounded,
    attacker_cannot_lock_out_the_owner,
    password_change_and_reset,
    disabled_account_stops_at_once,
    name_role_and_unit_are_changed,
    all_sessions_revoked,
    sign_ins_are_audited_without_the_password,
    two_step_sign_in,
    user_commands,
);
