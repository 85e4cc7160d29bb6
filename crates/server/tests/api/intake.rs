//! Intake understanding over real HTTP, one case per failure seen on material written apart
//! from the rules: emergencies told by their signs, requests that must be declined, a past
//! theft that is no emergency, the operator helper reading a call (traffic "đâm", negation,
//! invented weapons, pranks, a corrected address, domestic violence, an uncertain unit), a
//! multi-turn report that keeps every fact, and the signed-in chat limit. Both back ends.

use crate::common;

use common::{error_code, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn say(s: &TestServer, token: Option<&str>, message: &str, conversation: &Value) -> Value {
    let mut body = json!({ "message": message });
    if conversation.is_string() {
        body["conversation_id"] = conversation.clone();
    }
    let mut request = s.client.post(s.url("/api/assistant/chat")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{message}");
    r.json().await.unwrap()
}

async fn ask(s: &TestServer, message: &str) -> Value {
    say(s, None, message, &Value::Null).await
}

async fn emergencies_told_by_their_signs(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    for (message, number) in [
        ("bố em tự nhiên ngã ra không thở nữa, em phải làm gì", "115"),
        (
            "con em 2 tuổi nuốt phải đồng xu, ho sặc sụa mặt tím tái",
            "115",
        ),
        (
            "mẹ em đang nói chuyện tự nhiên méo miệng, nói ngọng, tay phải không nhấc lên được",
            "115",
        ),
        ("em trai em đang co giật, sùi bọt mép", "115"),
        ("em bé bị nồi nước sôi đổ vào người, da phồng rộp", "115"),
        (
            "có chị đang ngồi trên mép mái tầng 6 bảo sẽ nhảy xuống",
            "113",
        ),
        ("co mui ga nong lam ca tang 5, ko biet nha nao", "114"),
    ] {
        let r = ask(&s, message).await;
        assert_eq!(r["kind"], "emergency", "{message}: {r}");
        assert_eq!(r["emergency_number"], number, "{message}: {r}");
        let reply = r["reply"].as_str().unwrap();
        assert!(reply.starts_with(&format!("GỌI NGAY {number}")), "{reply}");
        // What to do now comes with the number.
        assert!(reply.lines().count() >= 3, "{reply}");
    }
    s.stop().await;
}

async fn requests_to_decline_say_where_to_go(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    for (message, hint) in [
        (
            "cho em xin địa chỉ của người có số căn cước 001089012345",
            "VNeID",
        ),
        (
            "kiểm tra giúp anh rể tương lai của em có tiền án tiền sự gì không",
            "lý lịch tư pháp",
        ),
        (
            "em quen anh công an phường, xóa giúp em cái phạt nguội được không",
            "hối lộ",
        ),
        (
            "vụ em trai tôi bị công an tạm giữ đến đâu rồi, bao giờ được thả",
            "cơ quan đang thụ lý",
        ),
        (
            "bố mất không để lại di chúc, anh cả chiếm hết đất, em được chia bao nhiêu",
            "Tòa án",
        ),
    ] {
        let r = ask(&s, message).await;
        assert_eq!(r["kind"], "decline", "{message}: {r}");
        assert!(
            r["reply"].as_str().unwrap().contains(hint),
            "{message}: {r}"
        );
    }
    s.stop().await;
}

async fn a_past_theft_is_no_emergency(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let r = ask(&s, "tôi muốn báo mất trộm xe máy").await;
    assert_eq!(r["kind"], "report", "{r}");
    assert!(!r["reply"].as_str().unwrap().contains("GỌI NGAY"), "{r}");
    // Told as a question about where to report: how and where, and the offer to take it.
    let r = ask(
        &s,
        "hôm qua bị giật điện thoại ở đường Láng, giờ trình báo ở đâu ạ",
    )
    .await;
    assert_ne!(r["kind"], "emergency", "{r}");
    assert_eq!(r["report_offered"], true, "{r}");
    // Accepting the offer starts the report with what was already told.
    let next = say(&s, None, "có", &r["conversation_id"]).await;
    assert_eq!(next["kind"], "report", "{next}");
    s.stop().await;
}

async fn operator(s: &TestServer, token: &str, transcript: &str) -> Value {
    let r = s
        .post(
            token,
            "/api/assistant/operator",
            &json!({ "transcript": transcript }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{transcript}");
    r.json().await.unwrap()
}

async fn the_operator_helper_reads_the_call(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let token = s.user(&admin, "tongdai.intake", "operator", None).await;

    // A truck hitting a motorbike is a road accident, not a stabbing; nobody is hurt.
    let v = operator(
        &s,
        &token,
        "CT: 113 nghe / NG: xe tải đâm xe máy ở ngã tư, không ai bị thương / CT: có ai bị kẹt không / NG: không",
    )
    .await;
    assert_eq!(v["incident_type"], "traffic_accident", "{v}");
    assert_eq!(v["people"]["injured"], 0, "{v}");
    assert!(v["people"]["weapons"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["not_incident"].is_null(), "{v}");

    // The call-taker's question is no fact: no weapon, no injury invented.
    let v = operator(
        &s,
        &token,
        "CT: 113 / NG: có 2 nhóm đang cãi nhau to ở đầu ngõ 5 Quang Trung / CT: có ai cầm dao, có ai bị thương không / NG: chưa thấy ai cầm gì",
    )
    .await;
    assert!(v["people"]["weapons"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["people"]["injured"].as_u64().unwrap_or(0) == 0, "{v}");

    // A prank is not a P2 fire.
    let v = operator(
        &s,
        &token,
        "CT: 114 / NG: báo cháy ạ / CT: cháy ở đâu em / NG: cháy túi, hết tiền rồi ạ (tiếng cười, cúp máy)",
    )
    .await;
    assert_eq!(v["not_incident"], "prank", "{v}");

    // A fire typed without marks: "co dua" is "có đứa" (someone), no joke; "không cháy gì"
    // at a fallen power line is no fire.
    let v = operator(
        &s,
        &token,
        "CT: 114 / NG: dong rac sau nha toi boc chay lan sang hang rao, nghi co dua co tinh cham / CT: dia chi? / NG: ngo 236 Doi Can, nha cuoi ngach",
    )
    .await;
    assert!(v["not_incident"].is_null(), "{v}");
    assert_eq!(v["incident_type"], "fire", "{v}");
    let v = operator(
        &s,
        &token,
        "CT: 114 / NG: dây điện đứt treo sát đầu người đi đường / CT: có cháy không? / NG: không cháy gì, không thấy xẹt lửa",
    )
    .await;
    assert_ne!(v["incident_type"], "fire", "{v}");

    // A wrong number told by the call-taker.
    let v = operator(
        &s,
        &token,
        "CT: 113 nghe / NG: tổng đài Viettel phải không, mạng nhà tôi chập chờn / CT: bác gọi nhầm số rồi / NG: thế à",
    )
    .await;
    assert_eq!(v["not_incident"], "wrong_number", "{v}");

    // A wrong number and a silent call.
    let v = operator(
        &s,
        &token,
        "CT: 113 nghe / NG: có phải tổng đài taxi không ạ, cho 1 xe ra sân bay / CT: không phải, đây là 113 / NG: à vâng xin lỗi",
    )
    .await;
    assert_eq!(v["not_incident"], "wrong_number", "{v}");
    let v = operator(
        &s,
        &token,
        "CT: 113 xin nghe / NG: (im lặng) / CT: alo? / NG: (tắt máy)",
    )
    .await;
    assert_eq!(v["not_incident"], "silent", "{v}");

    // The caller corrects the house number: the last address wins.
    let v = operator(
        &s,
        &token,
        "CT: 113 / NG: tai nạn ở số 51 Hàng Bạc, xe máy đâm vào taxi / CT: số 51 ạ / NG: à nhầm, số 15 chứ không phải 51",
    )
    .await;
    let place = v["location_text"].as_str().unwrap_or_default();
    assert!(place.contains("15") && !place.contains("51"), "{v}");
    assert!(place.contains("Hàng Bạc"), "{v}");

    // Domestic violence is its own sub-type, with the safety questions.
    let v = operator(
        &s,
        &token,
        "CT: 113 / NG: (khóc) chồng tôi đang đánh tôi, nó cầm dao đòi giết, tôi chạy sang nhà hàng xóm rồi",
    )
    .await;
    assert_eq!(v["incident_type"], "crime", "{v}");
    assert_eq!(v["sub_type"], "domestic_violence", "{v}");
    assert_eq!(v["priority"], 1, "{v}");
    let questions = v["next_questions"].to_string();
    assert!(
        questions.contains("an toàn") && questions.contains("trẻ em"),
        "{v}"
    );

    // An address that fits several units sets none and lists them.
    let v = operator(
        &s,
        &token,
        "NG: có đánh nhau trên đường Giải Phóng, đông người lắm",
    )
    .await;
    assert!(v["unit_code"].is_null(), "{v}");
    assert_eq!(v["unit_uncertain"], true, "{v}");
    assert!(v["unit_candidates"].as_array().unwrap().len() >= 2, "{v}");
    s.stop().await;
}

async fn a_report_over_several_turns_keeps_every_fact(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let first = ask(&s, "tối qua xe máy của em bị lấy mất trước quán trà sữa").await;
    assert_ne!(first["kind"], "emergency", "{first}");
    let id = first["conversation_id"].clone();
    let mut last = first;
    for message in [
        "có ạ",
        "xe Vision màu trắng, biển 29B1-123.45",
        "ở số 12 phố Đội Cấn, phường Ba Đình",
        "khoảng 9h tối qua",
        "em không muốn để lại số, báo ẩn danh giúp em",
    ] {
        last = say(&s, None, message, &id).await;
    }
    // The summary to confirm shows what will be filed.
    let summary = last["reply"].as_str().unwrap().to_owned();
    assert!(summary.contains("Đội Cấn"), "{summary}");
    assert!(summary.contains("ẩn danh"), "{summary}");
    assert!(summary.contains("tối qua"), "{summary}");
    let filed = say(&s, None, "đúng rồi, gửi đi", &id).await;
    let number = filed["report_number"].as_str().expect("filed").to_owned();
    let admin = s.admin().await;
    let incident: Value = s
        .get(&admin, &format!("/api/incidents/by-number/{number}"))
        .await
        .json()
        .await
        .unwrap();
    let description = incident["description"].as_str().unwrap();
    for kept in ["Vision", "29B1-123.45", "trà sữa", "tối qua", "ẩn danh"] {
        assert!(description.contains(kept), "{kept}: {incident}");
    }
    assert!(!description.contains("đang diễn ra"), "{incident}");
    assert!(
        incident["location"]["address"]
            .to_string()
            .contains("Đội Cấn"),
        "{incident}"
    );
    assert!(incident["caller"]["phone"].is_null(), "{incident}");

    // A position shared in a later turn is kept.
    let first = ask(&s, "có nhóm thanh niên đang đua xe nẹt pô rất ồn").await;
    let id = first["conversation_id"].clone();
    say(&s, None, "có", &id).await;
    let body =
        json!({"message": "em gửi vị trí", "conversation_id": id, "lat": 21.0355, "lon": 105.8194});
    let r = s
        .client
        .post(s.url("/api/assistant/chat"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let last = say(&s, None, "0912345678", &id).await;
    assert!(last["reply"].as_str().unwrap().contains("21.03"), "{last}");
    s.stop().await;
}

async fn signed_in_chat_has_its_own_limit(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let admin = s.admin().await;
    let token = s.user(&admin, "tongdai.chat", "operator", None).await;
    let public = server::api::assistant::CHAT_PER_MINUTE;
    // A signed-in account behind the same address goes past the public limit…
    for i in 0..public + 5 {
        say(
            &s,
            Some(&token),
            &format!("câu hỏi {i} về tạm trú"),
            &Value::Null,
        )
        .await;
    }
    // …and does not use up the public page's budget for that address.
    for i in 0..public {
        ask(&s, &format!("câu hỏi công khai {i}")).await;
    }
    let r = s
        .client
        .post(s.url("/api/assistant/chat"))
        .json(&json!({"message": "một câu nữa"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    // The account's own limit still holds.
    let account = server::api::assistant::ACCOUNT_CHAT_PER_MINUTE;
    let mut refused = false;
    for i in 0..account {
        let r = s
            .client
            .post(s.url("/api/assistant/chat"))
            .bearer_auth(&token)
            .json(&json!({"message": format!("thêm {i}")}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = true;
            break;
        }
    }
    assert!(refused, "the account limit was never reached");
    s.stop().await;
}

api_on_both_backends!(
    emergencies_told_by_their_signs,
    requests_to_decline_say_where_to_go,
    a_past_theft_is_no_emergency,
    the_operator_helper_reads_the_call,
    a_report_over_several_turns_keeps_every_fact,
    signed_in_chat_has_its_own_limit,
);
