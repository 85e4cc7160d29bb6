//! Operator mode ("tổng đài viên"): turns a hotline call transcript into a suggested incident
//! form (type, sub-type, priority, place, people, caller phone) and the next questions to ask.

use crate::api::{OperatorRequest, OperatorSuggestion};
use crate::extract::{
    classify, find_coordinates, find_location, find_phone, AddressResolver, Classification,
    CrimeSubType, IncidentType,
};

/// Priority 1 (life at risk now) to 4 (not urgent), from the classification.
pub fn priority(c: &Classification) -> u8 {
    use IncidentType as T;
    let armed = !c.people.weapons.is_empty();
    let hurt = c.people.injured.is_some() || c.people.trapped.is_some() || c.people.dead.is_some();
    let violent = matches!(
        c.sub_type,
        Some(
            CrimeSubType::Kidnapping
                | CrimeSubType::Robbery
                | CrimeSubType::Assault
                | CrimeSubType::Fight
                | CrimeSubType::Weapons
                | CrimeSubType::DomesticViolence
        )
    );
    match c.incident_type {
        T::Fire | T::Explosion | T::Rescue => {
            if c.critical || c.people.trapped.is_some() || c.people.injured.is_some() {
                1
            } else {
                2
            }
        }
        T::Medical => {
            if c.critical {
                1
            } else {
                2
            }
        }
        T::TrafficAccident => {
            if c.critical {
                1
            } else if hurt {
                2
            } else {
                3
            }
        }
        T::Flood => {
            if c.critical || c.people.trapped.is_some() {
                1
            } else {
                2
            }
        }
        T::Crime => {
            if c.sub_type == Some(CrimeSubType::Kidnapping) || (violent && armed && !c.past) {
                1
            } else if violent && !c.past {
                2
            } else if c.past || matches!(c.sub_type, Some(CrimeSubType::Fraud)) {
                if hurt {
                    3
                } else {
                    4
                }
            } else {
                3
            }
        }
        T::MissingPerson => 2,
        T::PublicOrder => 3,
        T::Other => 4,
    }
}

/// The questions to ask next, most important first.
pub fn next_questions(c: &Classification, has_location: bool, has_phone: bool) -> Vec<String> {
    use IncidentType as T;
    let mut q: Vec<&str> = Vec::new();
    if !has_location {
        q.push("Địa chỉ chính xác ở đâu (số nhà, ngõ, đường, phường/xã)? Có điểm mốc nào gần đó?");
    }
    match c.incident_type {
        T::Fire => {
            if c.people.trapped.is_none() {
                q.push("Có ai còn mắc kẹt bên trong không? Bao nhiêu người?");
            }
            q.push("Cháy ở tầng mấy, tòa nhà cao bao nhiêu tầng?");
            q.push("Có bình gas, xăng dầu hay hóa chất gần đám cháy không?");
            if c.people.injured.is_none() {
                q.push("Có ai bị thương không?");
            }
        }
        T::Explosion => {
            q.push("Có ai bị thương hoặc mắc kẹt không?");
            q.push("Còn mùi gas, còn cháy hay nguy cơ nổ tiếp không?");
        }
        T::Rescue => {
            if c.people.trapped.is_none() {
                q.push("Có bao nhiêu người gặp nạn? Họ còn tỉnh không?");
            }
            q.push("Người bị nạn đang ở đâu: dưới nước, trong công trình, trên cao?");
        }
        T::TrafficAccident => {
            if c.people.injured.is_none() {
                q.push("Có bao nhiêu người bị thương? Có ai bất tỉnh không?");
            }
            q.push("Có cháy xe, rò rỉ xăng dầu không? Đường có bị ách tắc không?");
            q.push("Các phương tiện liên quan là gì, biển số bao nhiêu?");
        }
        T::Crime => {
            if c.people.suspects.is_none() {
                q.push("Đối tượng có mấy người, đặc điểm nhận dạng thế nào?");
            }
            if c.people.weapons.is_empty() && c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Đối tượng có mang hung khí không?");
            }
            if c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Đối tượng còn ở hiện trường không? Đi hướng nào, phương tiện gì, biển số?");
            }
            if c.people.injured.is_none() && c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Có ai bị thương không?");
            }
            if c.sub_type == Some(CrimeSubType::Fraud) {
                q.push("Đã chuyển bao nhiêu tiền, vào số tài khoản nào, lúc mấy giờ? Đã báo ngân hàng chưa?");
            }
        }
        T::PublicOrder => {
            q.push("Có bao nhiêu người, có hung khí hay đánh nhau không?");
        }
        T::Flood => {
            q.push(
                "Nước ngập sâu bao nhiêu? Có người bị cô lập, người già, trẻ em cần sơ tán không?",
            );
        }
        T::MissingPerson => {
            q.push("Người mất tích tên gì, bao nhiêu tuổi, mặc quần áo gì?");
            q.push("Nhìn thấy lần cuối ở đâu, lúc mấy giờ?");
        }
        T::Medical => {
            q.push("Người bệnh còn tỉnh, còn thở không? Bao nhiêu tuổi?");
            q.push("Đã gọi 115 chưa? Có ai biết sơ cứu ở đó không?");
        }
        T::Other => {
            q.push("Xin anh/chị cho biết cụ thể sự việc gì đang xảy ra?");
        }
    }
    if !c.ongoing && !c.past {
        q.push("Sự việc đang diễn ra hay đã xảy ra lúc nào?");
    }
    if !has_phone {
        q.push("Xin số điện thoại để liên lạc lại?");
    }
    q.into_iter().map(str::to_string).collect()
}

fn summary(c: &Classification, location: Option<&str>) -> String {
    let mut s = c.incident_type.label_vi().to_string();
    if let Some(sub) = c.sub_type {
        s.push_str(&format!(" ({})", sub.code()));
    }
    let p = &c.people;
    let mut parts = Vec::new();
    if let Some(n) = p.trapped {
        parts.push(format!("{n} người mắc kẹt"));
    }
    if let Some(n) = p.injured {
        parts.push(format!("{n} người bị thương"));
    }
    if let Some(n) = p.dead {
        parts.push(format!("{n} người tử vong"));
    }
    if let Some(n) = p.suspects {
        parts.push(format!("{n} đối tượng"));
    }
    if !p.weapons.is_empty() {
        parts.push(format!("hung khí: {}", p.weapons.join(", ")));
    }
    if !parts.is_empty() {
        s.push_str(" – ");
        s.push_str(&parts.join(", "));
    }
    if let Some(loc) = location {
        s.push_str(" – tại ");
        s.push_str(loc);
    }
    s
}

/// Analyses a transcript, resolving the place with `resolver` when given.
pub fn suggest(
    req: &OperatorRequest,
    resolver: Option<&dyn AddressResolver>,
) -> OperatorSuggestion {
    let transcript = req.transcript.as_str();
    let c = classify(transcript);
    let location_text = find_location(transcript);
    let coords = find_coordinates(transcript);
    let unit = match (resolver, location_text.as_deref()) {
        (Some(r), Some(loc)) => r.resolve(loc),
        _ => None,
    };
    let caller_phone = find_phone(transcript);
    let has_location = location_text.is_some() || coords.is_some();
    let mut next = next_questions(&c, has_location, caller_phone.is_some());
    if location_text.is_some() && unit.is_none() && resolver.is_some() {
        next.insert(
            0,
            "Chưa xác định được địa bàn: hỏi lại phường/xã hoặc một điểm mốc gần đó.".to_string(),
        );
    }
    OperatorSuggestion {
        incident_type: c.incident_type,
        sub_type: c.sub_type,
        priority: priority(&c),
        summary: summary(&c, location_text.as_deref()),
        location_text,
        unit,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
        people: c.people.clone(),
        caller_phone,
        ongoing: c.ongoing && !c.past,
        next_questions: next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> OperatorSuggestion {
        suggest(
            &OperatorRequest {
                transcript: t.into(),
            },
            None,
        )
    }

    #[test]
    fn fire_with_trapped_people_is_priority_one() {
        let s = run(
            "Alo tổng đài ơi, cháy ở số 15 ngõ 42 phố Khương Hạ, phường Khương Đình rồi, \
             trên tầng 4 còn hai người mắc kẹt. Số tôi là 0987 654 321.",
        );
        assert_eq!(s.incident_type, IncidentType::Fire);
        assert_eq!(s.priority, 1);
        assert_eq!(s.people.trapped, Some(2));
        assert_eq!(s.caller_phone.as_deref(), Some("0987654321"));
        assert!(s
            .location_text
            .as_deref()
            .unwrap()
            .starts_with("số 15 ngõ 42"));
        assert!(s.next_questions.iter().any(|q| q.contains("gas")));
        assert!(!s.next_questions.iter().any(|q| q.contains("Địa chỉ")));
    }

    #[test]
    fn missing_location_and_phone_are_asked_first_and_last() {
        let s = run("có mấy thằng cầm dao đang đánh nhau ngoài này");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert_eq!(s.sub_type, Some(CrimeSubType::Fight));
        assert_eq!(s.priority, 1);
        assert!(s.next_questions[0].contains("Địa chỉ"));
        assert!(s.next_questions.last().unwrap().contains("số điện thoại"));
    }

    #[test]
    fn past_fraud_is_low_priority_and_resolver_is_used() {
        let resolver = |addr: &str| addr.contains("Láng").then(|| "Phường Láng".to_string());
        let s = suggest(
            &OperatorRequest {
                transcript: "hôm qua tôi bị lừa chuyển khoản 50 triệu, tôi ở số 3 đường Láng"
                    .into(),
            },
            Some(&resolver),
        );
        assert_eq!(s.sub_type, Some(CrimeSubType::Fraud));
        assert_eq!(s.priority, 4);
        assert_eq!(s.unit.as_deref(), Some("Phường Láng"));
    }

    #[test]
    fn spoken_phone_and_medical() {
        let s =
            run("ông cụ nhà tôi bất tỉnh không thở, số không chín một hai ba bốn năm sáu bảy tám");
        assert_eq!(s.incident_type, IncidentType::Medical);
        assert_eq!(s.priority, 1);
        assert_eq!(s.caller_phone.as_deref(), Some("0912345678"));
    }
}
