//! Telling a building's own people that its alarm went off: who is told and through which
//! channel (in the order of the facility's contact list), in what words, when a failed
//! attempt is tried again, and how an SMS gateway's request is filled in.
//!
//! The rules are pure: the server's notifier reads the facility and the alarm, asks
//! [`plan`] what to send, sends it, and asks [`after_failure`] what to do when a channel fails.

use crate::alarm_queue::AlarmClass;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a notice reaches its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An e-mail through the configured SMTP relay.
    Email,
    /// A text message through the configured HTTP SMS gateway.
    Sms,
    /// Nobody can be reached automatically: the operator phones the person and records the
    /// outcome on the console.
    Console,
}

impl Channel {
    /// Stable code (API, database).
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Console => "console",
        }
    }

    /// Reads a code written by [`Channel::code`].
    pub fn from_code(code: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms, Channel::Console]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting to be sent, or to be tried again after a failure; for the console channel,
    /// waiting for the operator's call.
    Pending,
    /// Accepted by the relay or the gateway; for the console channel, the person was reached.
    Sent,
    /// Given up: a permanent refusal, every attempt used, or nobody answered the operator.
    Failed,
}

impl NoticeState {
    /// Stable code (API, database).
    pub fn code(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Sent => "sent",
            NoticeState::Failed => "failed",
        }
    }

    /// Reads a code written by [`NoticeState::code`].
    pub fn from_code(code: &str) -> Option<NoticeState> {
        [NoticeState::Pending, NoticeState::Sent, NoticeState::Failed]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// What was decided for one incident's alarm: the plan is written once per incident, so
/// "why was nobody told" has an answer too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOutcome {
    /// Notices were queued.
    Queued,
    /// The facility has no contacts.
    NoContacts,
    /// The device was on test when the alarm came: nothing is sent.
    DeviceOnTest,
}

impl PlanOutcome {
    /// Stable code (API, database).
    pub fn code(self) -> &'static str {
        match self {
            PlanOutcome::Queued => "queued",
            PlanOutcome::NoContacts => "no_contacts",
            PlanOutcome::DeviceOnTest => "device_on_test",
        }
    }

    /// Reads a code written by [`PlanOutcome::code`].
    pub fn from_code(code: &str) -> Option<PlanOutcome> {
        [
            PlanOutcome::Queued,
            PlanOutcome::NoContacts,
            PlanOutcome::DeviceOnTest,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One person on the facility's contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub role: Option<String>,
    pub phone: String,
    pub email: Option<String>,
}

/// The channels this deployment has configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Channels {
    pub email: bool,
    pub sms: bool,
}

/// One notice to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNotice {
    /// The person's place in the facility's list, from 1: notices go out in this order.
    pub seq: u32,
    pub channel: Channel,
    pub contact_name: String,
    pub contact_role: Option<String>,
    /// The person's phone number, for a call when the other channels fail.
    pub phone: String,
    /// The e-mail address or phone number.
    pub recipient: String,
}

/// What to send for an alarm of a facility with these contacts: for every person in list
/// order, an e-mail when they have an address and e-mail is configured, an SMS when SMS is
/// configured and their phone number is usable; when neither applies, a call by the operator
/// (console). A device on test sends nothing.
pub fn plan(
    contacts: &[Recipient],
    channels: Channels,
    device_on_test: bool,
) -> (PlanOutcome, Vec<PlannedNotice>) {
    if device_on_test {
        return (PlanOutcome::DeviceOnTest, Vec::new());
    }
    if contacts.is_empty() {
        return (PlanOutcome::NoContacts, Vec::new());
    }
    let mut notices = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        let seq = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let notice = |channel, recipient: &str| PlannedNotice {
            seq,
            channel,
            contact_name: c.name.clone(),
            contact_role: c.role.clone(),
            phone: c.phone.clone(),
            recipient: recipient.to_owned(),
        };
        let before = notices.len();
        if let Some(email) = c.email.as_deref().filter(|_| channels.email) {
            notices.push(notice(Channel::Email, email));
        }
        let phone = phone_digits(&c.phone);
        if channels.sms && phone.is_some() {
            notices.push(notice(Channel::Sms, &c.phone));
        }
        if notices.len() == before {
            notices.push(notice(Channel::Console, &c.phone));
        }
    }
    (PlanOutcome::Queued, notices)
}

/// The mobile number a gateway can text, in the national form (`0912345678`), from what
/// people type (`0912 345 678`, `+84 912 345 678`); `None` for a landline, a foreign number or
/// something that is not a number (those people are phoned instead).
pub fn phone_digits(phone: &str) -> Option<String> {
    crate::incident::normalize_phone(phone).filter(|n| {
        let b = n.as_bytes();
        b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9')
    })
}

/// The international form (`+84912345678`) of a number [`phone_digits`] accepts.
pub fn phone_international(phone: &str) -> Option<String> {
    phone_digits(phone).map(|d| format!("+84{}", &d[1..]))
}

/// What the notices say about the alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmFacts {
    pub class: AlarmClass,
    pub facility_name: String,
    pub address: Option<String>,
    /// The incident's readable number (`HN-2026-000123`).
    pub incident_number: String,
    /// What the device reported (e.g. "Báo cháy tự động").
    pub title: String,
    pub raised_at: DateTime<Utc>,
}

/// The words of one notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    /// The e-mail's text (with diacritics).
    pub body: String,
    /// The SMS (without diacritics, at most [`SMS_MAX_CHARS`] characters).
    pub sms: String,
}

/// Longest SMS written: one GSM-7 segment.
pub const SMS_MAX_CHARS: usize = 160;

impl AlarmFacts {
    fn what_vi(&self) -> (&'static str, &'static str) {
        match self.class {
            AlarmClass::Fire => ("Hệ thống báo cháy", "Nếu có cháy, gọi ngay 114."),
            AlarmClass::LifeSafety => (
                "Thiết bị báo khẩn cấp",
                "Nếu có người gặp nguy hiểm, gọi ngay 113 (công an) hoặc 115 (cấp cứu).",
            ),
            _ => (
                "Hệ thống báo động",
                "Nếu có đột nhập, gọi ngay 113 và không tự đối mặt.",
            ),
        }
    }

    /// The notice for `name`, in Vietnamese.
    pub fn message(&self, name: &str) -> Message {
        let (system, call) = self.what_vi();
        let local = self
            .raised_at
            .with_timezone(&crate::incident::vietnam_offset());
        let when = local.format("%H:%M ngày %d/%m/%Y").to_string();
        let place = match &self.address {
            Some(a) => format!("{} ({a})", self.facility_name),
            None => self.facility_name.clone(),
        };
        let subject = format!(
            "[Bình Yên] {}: {} — {}",
            self.title, self.facility_name, self.incident_number
        );
        let body = format!(
            "Kính gửi {name},\n\n\
             {system} của {place} đã phát tín hiệu \"{title}\" lúc {when} (giờ Việt Nam).\n\
             Trung tâm chỉ huy Công an đã tiếp nhận và mở sự vụ {number}.\n\n\
             Xin kiểm tra ngay tại chỗ. {call}\n\
             Nếu là báo nhầm, xin báo lại trung tâm chỉ huy kèm mã sự vụ {number}.\n\n\
             Thư này được gửi tự động khi thiết bị báo; xin đừng trả lời thư.\n",
            title = self.title,
            number = self.incident_number,
        );
        Message {
            subject,
            body,
            sms: self.sms(&local.format("%H:%M %d/%m").to_string()),
        }
    }

    /// The SMS: the place is shortened (the address first, then the name) until it fits one
    /// segment.
    fn sms(&self, when: &str) -> String {
        let (_, call) = self.what_vi();
        let call = call.split('(').next().unwrap_or(call).trim_end();
        let build = |place: &str| {
            crate::text::unaccent(&format!(
                "[Binh Yen] {} tai {place} luc {when}. Da tiep nhan, su vu {}. {call}",
                self.title,
                self.incident_number,
                call = call.trim_end_matches('.'),
            ))
        };
        let full = match &self.address {
            Some(a) => build(&format!("{}, {a}", self.facility_name)),
            None => build(&self.facility_name),
        };
        if full.chars().count() <= SMS_MAX_CHARS {
            return full;
        }
        let short = build(&self.facility_name);
        let over = short.chars().count().saturating_sub(SMS_MAX_CHARS);
        if over == 0 {
            return short;
        }
        let keep = self.facility_name.chars().count().saturating_sub(over + 3);
        let name: String = self.facility_name.chars().take(keep).collect();
        build(&format!("{}...", name.trim_end()))
    }
}

/// Whether the operator must call a person whose e-mail or SMS was just given up: yes unless
/// another of their notices went through or is still being sent. Nobody is left untold
/// without a person knowing it.
pub fn call_after_failure(others: &[(Channel, NoticeState)]) -> bool {
    !others
        .iter()
        .any(|(_, state)| matches!(state, NoticeState::Sent | NoticeState::Pending))
}

/// Attempts made at most on one e-mail or SMS notice before it is given up.
pub const MAX_ATTEMPTS: u32 = 6;
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30 * 60);

/// What to do after attempt number `attempt` (from 1) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Stop: the refusal is permanent or every attempt is used.
    GiveUp,
}

/// Exponential back-off: `base`, then twice, four times… as long, capped at
/// [`MAX_RETRY_DELAY`]; a permanent refusal (a mailbox that does not exist, a gateway that
/// rejects the request) is not retried.
pub fn after_failure(
    attempt: u32,
    permanent: bool,
    base: Duration,
    now: DateTime<Utc>,
) -> AfterFailure {
    if permanent || attempt >= MAX_ATTEMPTS {
        return AfterFailure::GiveUp;
    }
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    let delay = base.saturating_mul(factor).min(MAX_RETRY_DELAY);
    match chrono::Duration::from_std(delay) {
        Ok(d) => AfterFailure::RetryAt(now + d),
        Err(_) => AfterFailure::GiveUp,
    }
}

/// How a gateway template's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Inside a JSON string.
    Json,
    /// Percent-encoded (a URL's query, a form body).
    Url,
}

/// Fills `{name}` placeholders of a gateway's URL or body template with `values`, escaped
/// for where they go. Unknown placeholders and other braces (a JSON body's own) are left.
pub fn render_template(template: &str, values: &[(&str, &str)], escape: Escape) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let token = format!("{{{name}}}");
        if out.contains(&token) {
            let escaped = match escape {
                Escape::Json => json_escape(value),
                Escape::Url => url_escape(value),
            };
            out = out.replace(&token, &escaped);
        }
    }
    out
}

fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

fn url_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn person(name: &str, phone: &str, email: Option<&str>) -> Recipient {
        Recipient {
            name: name.into(),
            role: None,
            phone: phone.into(),
            email: email.map(Into::into),
        }
    }

    fn facts() -> AlarmFacts {
        AlarmFacts {
            class: AlarmClass::Fire,
            facility_name: "Tòa nhà Đông Á".into(),
            address: Some("Số 2 phố Trúc Bạch, Ba Đình".into()),
            incident_number: "HN-2026-000123".into(),
            title: "Báo cháy tự động".into(),
            raised_at: Utc.with_ymd_and_hms(2026, 12, 7, 7, 5, 0).unwrap(),
        }
    }

    #[test]
    fn every_person_is_planned_in_list_order_on_each_channel_they_can_take() {
        let contacts = [
            person("An", "0912 345 678", Some("an@example.vn")),
            person("Bình", "0987654321", None),
            person("Chi", "024 3825 1234", None),
        ];
        let both = Channels {
            email: true,
            sms: true,
        };
        let (outcome, notices) = plan(&contacts, both, false);
        assert_eq!(outcome, PlanOutcome::Queued);
        let got: Vec<_> = notices
            .iter()
            .map(|n| (n.seq, n.channel, n.recipient.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, Channel::Email, "an@example.vn"),
                (1, Channel::Sms, "0912 345 678"),
                (2, Channel::Sms, "0987654321"),
                (3, Channel::Console, "024 3825 1234"),
            ]
        );
        // Nothing configured: the operator calls everyone, in order.
        let (_, notices) = plan(&contacts, Channels::default(), false);
        assert!(notices.iter().all(|n| n.channel == Channel::Console));
        assert_eq!(notices.iter().map(|n| n.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn a_device_on_test_or_a_facility_without_contacts_sends_nothing() {
        let contacts = [person("An", "0912345678", Some("an@example.vn"))];
        let all = Channels {
            email: true,
            sms: true,
        };
        assert_eq!(
            plan(&contacts, all, true),
            (PlanOutcome::DeviceOnTest, vec![])
        );
        assert_eq!(plan(&[], all, false), (PlanOutcome::NoContacts, vec![]));
    }

    #[test]
    fn phone_numbers_are_read_as_people_type_them() {
        assert_eq!(phone_digits("0912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(
            phone_digits("+84 912.345.678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(phone_digits("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(
            phone_international("0912345678").as_deref(),
            Some("+84912345678")
        );
        // A landline cannot take a text; a foreign number is not sent through a local gateway.
        for bad in [
            "",
            "113",
            "024 3825 1234",
            "+1 202 555 0100",
            "gọi bảo vệ",
            "0912-abc",
        ] {
            assert_eq!(phone_digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_message_says_what_where_when_and_what_to_do() {
        let m = facts().message("anh An");
        assert!(m.subject.contains("Báo cháy tự động") && m.subject.contains("HN-2026-000123"));
        assert!(m.body.starts_with("Kính gửi anh An,"));
        // 07:05 UTC is 14:05 in Hà Nội.
        assert!(m.body.contains("lúc 14:05 ngày 07/12/2026"), "{}", m.body);
        assert!(m
            .body
            .contains("Tòa nhà Đông Á (Số 2 phố Trúc Bạch, Ba Đình)"));
        assert!(m.body.contains("114"));
        assert_eq!(
            m.sms,
            "[Binh Yen] Bao chay tu dong tai Toa nha Dong A, So 2 pho Truc Bach, Ba Dinh luc \
             14:05 07/12. Da tiep nhan, su vu HN-2026-000123. Neu co chay, goi ngay 114"
        );
        assert!(m.sms.chars().count() <= SMS_MAX_CHARS);
    }

    #[test]
    fn a_long_place_is_shortened_to_one_sms_segment() {
        let mut f = facts();
        f.facility_name = "Trung tâm thương mại và căn hộ cao cấp ".repeat(5);
        f.address = Some("Số 1 đường rất dài ".repeat(6));
        let sms = f.message("An").sms;
        assert!(
            sms.chars().count() <= SMS_MAX_CHARS,
            "{} chars: {sms}",
            sms.len()
        );
        assert!(sms.contains("...") && sms.contains("HN-2026-000123") && sms.contains("114"));
        assert!(sms.is_ascii());
        let mut f = facts();
        f.class = AlarmClass::LifeSafety;
        assert!(f.message("An").body.contains("115"));
    }

    #[test]
    fn a_person_no_channel_reached_is_called() {
        use NoticeState::*;
        assert!(call_after_failure(&[]));
        assert!(call_after_failure(&[(Channel::Sms, Failed)]));
        assert!(!call_after_failure(&[(Channel::Sms, Sent)]));
        assert!(!call_after_failure(&[(Channel::Sms, Pending)]));
        // A call already waiting counts as under way.
        assert!(!call_after_failure(&[(Channel::Console, Pending)]));
    }

    #[test]
    fn failures_back_off_then_give_up() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap();
        let base = Duration::from_secs(30);
        let at = |n| match after_failure(n, false, base, now) {
            AfterFailure::RetryAt(t) => Some((t - now).num_seconds()),
            AfterFailure::GiveUp => None,
        };
        assert_eq!(
            (1..=MAX_ATTEMPTS).map(at).collect::<Vec<_>>(),
            [Some(30), Some(60), Some(120), Some(240), Some(480), None]
        );
        assert_eq!(after_failure(1, true, base, now), AfterFailure::GiveUp);
        let huge = after_failure(5, false, Duration::from_secs(3600), now);
        assert_eq!(
            huge,
            AfterFailure::RetryAt(now + chrono::Duration::minutes(30))
        );
    }

    #[test]
    fn templates_escape_values_for_where_they_go() {
        let values = [("to", "0912345678"), ("message", "Bao \"chay\" & 114\n")];
        assert_eq!(
            render_template(
                r#"{"to":"{to}","text":"{message}","x":{}}"#,
                &values,
                Escape::Json
            ),
            r#"{"to":"0912345678","text":"Bao \"chay\" & 114\n","x":{}}"#
        );
        assert_eq!(
            render_template(
                "https://gw/send?to={to}&text={message}&k={key}",
                &values,
                Escape::Url
            ),
            "https://gw/send?to=0912345678&text=Bao%20%22chay%22%20%26%20114%0A&k={key}"
        );
    }

    #[test]
    fn codes_read_back() {
        for c in [Channel::Email, Channel::Sms, Channel::Console] {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
        for s in [NoticeState::Pending, NoticeState::Sent, NoticeState::Failed] {
            assert_eq!(NoticeState::from_code(s.code()), Some(s));
        }
        for o in [
            PlanOutcome::Queued,
            PlanOutcome::NoContacts,
            PlanOutcome::DeviceOnTest,
        ] {
            assert_eq!(PlanOutcome::from_code(o.code()), Some(o));
        }
    }
}
