//! The table of API error codes: every code the API answers with, its one HTTP status, and
//! what it means for a person in Vietnamese and English. Handlers name a code from here, never
//! a string; the domain's stable codes are looked up here by name. The console reads the table
//! from `GET /api/vocabulary` and shows the label, not the server's technical message.

use axum::http::StatusCode;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $status:ident, $vi:literal, $en:literal; )*) => {
        /// A stable API error code. See the module comment.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The snake_case code sent in `error.code`.
            pub fn code(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The one HTTP status answered with this code.
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            /// What the code means, for a person, in Vietnamese.
            pub fn label_vi(self) -> &'static str {
                match self { $(ErrorCode::$variant => $vi,)* }
            }

            /// What the code means, for a person, in English.
            pub fn label_en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    // The request itself.
    /// No route has this path.
    NoRoute = "no_route", NOT_FOUND,
        "Máy chủ không có chức năng này.", "The server has no such function.";
    /// A NUL character in the path, the query or the body.
    NulCharacter = "nul_character", BAD_REQUEST,
        "Dữ liệu có ký tự không hợp lệ (NUL).", "The data holds an invalid character (NUL).";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "Máy chủ không nhận thao tác này ở địa chỉ này.", "The server does not accept this action here.";
    /// The body is not JSON.
    MalformedJson = "malformed_json", BAD_REQUEST,
        "Dữ liệu gửi lên không đọc được.", "The data sent could not be read.";
    /// The body is JSON but not of the shape the route takes (a field of the wrong type, an
    /// unknown variant, a missing required field).
    InvalidBody = "invalid_body", BAD_REQUEST,
        "Dữ liệu gửi lên không đúng khuôn dạng.", "The data sent is not in the expected form.";
    InvalidQuery = "invalid_query", BAD_REQUEST,
        "Tham số tìm kiếm không hợp lệ.", "A search parameter is not valid.";
    InvalidBbox = "invalid_bbox", BAD_REQUEST,
        "Vùng bản đồ không hợp lệ.", "The map area is not valid.";
    InvalidCoordinates = "invalid_coordinates", BAD_REQUEST,
        "Toạ độ không hợp lệ.", "The coordinates are not valid.";
    InvalidAddress = "invalid_address", BAD_REQUEST,
        "Địa chỉ không hợp lệ.", "The address is not valid.";
    InvalidCsv = "invalid_csv", BAD_REQUEST,
        "Tệp CSV không đọc được.", "The CSV file could not be read.";
    BadUpgrade = "bad_upgrade", BAD_REQUEST,
        "Không mở được kênh cập nhật trực tiếp.", "The live update channel could not be opened.";
    /// Any other refused request (a status the table has no code for keeps its own status).
    BadRequest = "bad_request", BAD_REQUEST,
        "Máy chủ không hiểu yêu cầu.", "The server did not understand the request.";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "Dạng dữ liệu gửi lên không được nhận.", "This kind of data is not accepted.";
    BodyTooLarge = "body_too_large", PAYLOAD_TOO_LARGE,
        "Dữ liệu gửi lên quá lớn.", "The data sent is too large.";
    Timeout = "timeout", REQUEST_TIMEOUT,
        "Yêu cầu quá thời gian; hãy thử lại.", "The request took too long; try again.";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS,
        "Quá nhiều yêu cầu; hãy đợi một lát rồi thử lại.", "Too many requests; wait a moment and try again.";
    FeedConnectionsExceeded = "feed_connections_exceeded", TOO_MANY_REQUESTS,
        "Tài khoản đang mở quá nhiều màn hình trực tiếp.", "This account has too many live screens open.";

    // Who is asking.
    Unauthorized = "unauthorized", UNAUTHORIZED,
        "Phiên làm việc đã hết; hãy đăng nhập lại.", "Your session has ended; sign in again.";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED,
        "Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password.";
    TotpRequired = "totp_required", UNAUTHORIZED,
        "Cần mã xác thực 2 bước.", "A 2-step code is needed.";
    InvalidTotp = "invalid_totp", UNAUTHORIZED,
        "Mã xác thực 2 bước sai hoặc đã hết hạn.", "The 2-step code is wrong or expired.";
    TotpReused = "totp_reused", UNAUTHORIZED,
        "Mã xác thực 2 bước này đã được dùng; hãy chờ mã mới.", "This 2-step code was already used; wait for the next one.";
    Forbidden = "forbidden", FORBIDDEN,
        "Tài khoản của bạn không có quyền làm việc này.", "Your account may not do this.";
    WrongPassword = "wrong_password", FORBIDDEN,
        "Mật khẩu hiện tại không đúng.", "The current password is wrong.";
    EstablishmentOfOtherUnit = "establishment_of_other_unit", FORBIDDEN,
        "Cơ sở lưu trú thuộc đơn vị khác.", "The establishment belongs to another unit.";

    // What is asked for.
    NotFound = "not_found", NOT_FOUND,
        "Không tìm thấy (đã bị xoá hoặc không thuộc phạm vi của bạn).", "Not found (removed, or outside your scope).";
    /// Someone changed the data since it was read, or it would duplicate existing data.
    Conflict = "conflict", CONFLICT,
        "Dữ liệu vừa được người khác thay đổi; hãy tải lại rồi thử lại.", "Someone changed this in the meantime; reload and try again.";
    InvalidField = "invalid_field", UNPROCESSABLE_ENTITY,
        "Có thông tin chưa hợp lệ.", "Some information is not valid.";
    UnknownCode = "unknown_code", UNPROCESSABLE_ENTITY,
        "Mã danh mục không có trong danh mục.", "A code is not in its list.";
    UnknownUnit = "unknown_unit", UNPROCESSABLE_ENTITY,
        "Không có đơn vị này.", "No such unit.";
    ReasonRequired = "reason_required", UNPROCESSABLE_ENTITY,
        "Cần ghi lý do.", "A reason is required.";
    NothingToChange = "nothing_to_change", UNPROCESSABLE_ENTITY,
        "Không có gì thay đổi.", "Nothing would change.";
    WeakPassword = "weak_password", UNPROCESSABLE_ENTITY,
        "Mật khẩu quá yếu (ít nhất 10 ký tự, không quá phổ biến).", "The password is too weak (10 characters or more, not a common one).";
    CannotDisableSelf = "cannot_disable_self", CONFLICT,
        "Không thể tự khoá hoặc hạ quyền tài khoản của chính mình.", "You cannot disable or demote your own account.";
    TotpAlreadyEnabled = "totp_already_enabled", CONFLICT,
        "Xác thực 2 bước đã bật.", "2-step verification is already on.";
    NoTotpPending = "no_totp_pending", CONFLICT,
        "Chưa bắt đầu đăng ký xác thực 2 bước.", "2-step enrolment has not been started.";
    NoMasterKey = "no_master_key", SERVICE_UNAVAILABLE,
        "Máy chủ chưa được cấu hình khoá bí mật cho xác thực 2 bước.", "The server has no secret key set for 2-step verification.";
    NotReady = "not_ready", SERVICE_UNAVAILABLE,
        "Máy chủ đang khởi động hoặc mất kết nối cơ sở dữ liệu.", "The server is starting or has lost its database.";
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "Máy chủ gặp lỗi; lỗi đã được ghi lại.", "The server failed; the failure was logged.";

    // Incidents and resources.
    IllegalTransition = "illegal_transition", CONFLICT,
        "Không thể chuyển sang trạng thái này từ trạng thái hiện tại.", "This status cannot follow the current one.";
    DispositionMismatch = "disposition_mismatch", UNPROCESSABLE_ENTITY,
        "Kết quả xử lý không hợp với trạng thái.", "The outcome does not fit the status.";
    FireReportRequired = "fire_report_required", UNPROCESSABLE_ENTITY,
        "Cần lập báo cáo vụ cháy trước khi kết thúc.", "File the fire report before closing.";
    UseDedicatedOperation = "use_dedicated_operation", UNPROCESSABLE_ENTITY,
        "Thao tác này có chức năng riêng.", "This change has its own action.";
    IncidentFinished = "incident_finished", CONFLICT,
        "Vụ việc đã kết thúc.", "The incident has ended.";
    AlreadyAssigned = "already_assigned", CONFLICT,
        "Vụ việc đã thuộc đơn vị này.", "The incident is already with this unit.";
    AlreadyEscalated = "already_escalated", CONFLICT,
        "Vụ việc đã được báo lên thành phố.", "The incident was already escalated to the city.";
    SelfReference = "self_reference", UNPROCESSABLE_ENTITY,
        "Không thể liên kết vụ việc với chính nó.", "An incident cannot be linked to itself.";
    AlreadyLinked = "already_linked", CONFLICT,
        "Hai vụ việc đã được liên kết.", "The two incidents are already linked.";
    ResourceUnavailable = "resource_unavailable", CONFLICT,
        "Lực lượng này đang bận.", "This resource is busy.";
    ResourceAlreadyAssigned = "resource_already_assigned", CONFLICT,
        "Lực lượng này đã được điều tới vụ việc.", "This resource is already sent to the incident.";
    ResourceNotAssigned = "resource_not_assigned", CONFLICT,
        "Lực lượng này không được điều tới vụ việc.", "This resource is not sent to the incident.";
    IllegalResourceTransition = "illegal_resource_transition", CONFLICT,
        "Lực lượng không thể chuyển sang trạng thái này.", "The resource cannot take this status now.";
    InvalidIncidentNumber = "invalid_incident_number", UNPROCESSABLE_ENTITY,
        "Số vụ việc không hợp lệ.", "The incident number is not valid.";
    NotAnIncidentSignal = "not_an_incident_signal", UNPROCESSABLE_ENTITY,
        "Tín hiệu này không mở vụ việc.", "This signal does not open an incident.";
    FacilityMismatch = "facility_mismatch", CONFLICT,
        "Tín hiệu thuộc cơ sở khác.", "The signal belongs to another facility.";
    TimeInFuture = "time_in_future", UNPROCESSABLE_ENTITY,
        "Thời gian ở tương lai.", "The time is in the future.";
    ExportFailed = "export_failed", UNPROCESSABLE_ENTITY,
        "Không xuất được dữ liệu vụ việc.", "The incident could not be exported.";
    AlarmAlreadyAcknowledged = "alarm_already_acknowledged", CONFLICT,
        "Báo động đã có người nhận.", "Someone already took this alarm.";
    AlarmAlreadyHandled = "alarm_already_handled", CONFLICT,
        "Báo động đã được xử lý.", "This alarm was already handled.";

    // Calls, tasks, records.
    CallClosed = "call_closed", CONFLICT,
        "Cuộc gọi đã kết thúc.", "The call has ended.";
    DuplicateCall = "duplicate_call", CONFLICT,
        "Cuộc gọi này đã được ghi.", "This call is already logged.";
    InvalidOutcomeLink = "invalid_outcome_link", UNPROCESSABLE_ENTITY,
        "Kết quả cuộc gọi không khớp với vụ việc hoặc nơi chuyển.", "The call's outcome does not fit its incident or transfer.";
    EvidenceRequired = "evidence_required", UNPROCESSABLE_ENTITY,
        "Cần đính kèm minh chứng.", "Evidence is required.";
    NotAnOfficer = "not_an_officer", UNPROCESSABLE_ENTITY,
        "Tài khoản này không phải của cán bộ.", "This account is not an officer's.";
    InvalidRecord = "invalid_record", UNPROCESSABLE_ENTITY,
        "Hồ sơ chưa hợp lệ.", "The record is not valid.";
    InvalidKnowledgeBase = "invalid_knowledge_base", UNPROCESSABLE_ENTITY,
        "Bộ tri thức chưa hợp lệ.", "The knowledge base is not valid.";
    // The field app and trackers.
    /// A request with this `Idempotency-Key` is still being answered.
    IdempotencyKeyInUse = "idempotency_key_in_use", CONFLICT,
        "Thao tác này đang được xử lý; hãy chờ rồi gửi lại.", "This action is still being handled; wait and send it again.";
    /// The `Idempotency-Key` was used for another request.
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY,
        "Mã chống gửi trùng đã dùng cho thao tác khác.", "The idempotency key was used for another action.";
    /// A position report that cannot be used (missing, out of range, from the future).
    InvalidPosition = "invalid_position", UNPROCESSABLE_ENTITY,
        "Vị trí gửi lên không dùng được.", "The position sent cannot be used.";
    /// The position writer is full; the tracker should send again shortly.
    PositionsBusy = "positions_busy", SERVICE_UNAVAILABLE,
        "Máy chủ đang bận ghi vị trí; hãy gửi lại sau ít giây.", "The server is busy storing positions; send again in a few seconds.";
    /// Not a JPEG or PNG photo, or a damaged one.
    InvalidPhoto = "invalid_photo", UNPROCESSABLE_ENTITY,
        "Ảnh không hợp lệ (chỉ nhận JPEG hoặc PNG).", "The photo is not valid (JPEG or PNG only).";
}

impl ErrorCode {
    /// The code named `code`, if the table has it.
    pub fn lookup(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// The code a domain error names. A domain code missing from the table is a defect: it is
    /// logged and answered as [`ErrorCode::InvalidField`] (the tests construct every domain error
    /// and check that its code is here).
    pub fn of_domain(code: &'static str) -> ErrorCode {
        ErrorCode::lookup(code).unwrap_or_else(|| {
            tracing::error!(code, "domain error code missing from the API table");
            ErrorCode::InvalidField
        })
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_labelled() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.code()), "{} twice", c.code());
            assert!(
                c.code()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
            assert!(c.status().is_client_error() || c.status().is_server_error());
            assert!(!c.label_vi().is_empty() && !c.label_en().is_empty(), "{c}");
            assert_ne!(c.label_vi(), c.label_en(), "{c} is not translated");
            assert_eq!(ErrorCode::lookup(c.code()), Some(*c));
        }
    }

    #[test]
    fn every_domain_error_has_its_code_and_class_in_the_table() {
        use domain::incident::ResourceStatus as R;
        use domain::incident::{IncidentError as E, IncidentId, IncidentStatus as S};
        let now = chrono::Utc::now();
        let id = IncidentId(1);
        let incident_errors = [
            E::Invalid { errors: vec![] },
            E::UnknownCode {
                what: "kind",
                code: "x".into(),
            },
            E::IllegalTransition {
                from: S::Closed,
                to: S::Received,
                allowed: vec![],
            },
            E::ReasonRequired { action: "cancel" },
            E::FireReportRequired { id },
            E::DispositionMismatch {
                to: S::Closed,
                given: None,
            },
            E::UseDedicatedOperation {
                to: S::Merged,
                operation: "merge",
            },
            E::IncidentFinished {
                id,
                status: S::Closed,
            },
            E::AlreadyAssigned { unit: "u".into() },
            E::AlreadyEscalated,
            E::SelfReference { id },
            E::AlreadyLinked { id, other: id },
            E::ResourceUnavailable {
                resource_id: 1,
                status: R::OnScene,
            },
            E::ResourceAlreadyAssigned {
                resource_id: 1,
                incident_id: id,
            },
            E::ResourceNotAssigned {
                resource_id: 1,
                incident_id: id,
            },
            E::IllegalResourceTransition {
                from: R::Available,
                to: R::OnScene,
                allowed: vec![],
            },
            E::InvalidNumber {
                input: "x".into(),
                reason: "r",
            },
            E::NotAnIncidentSignal { category: "test" },
            E::FacilityMismatch {
                incident_id: id,
                incident_facility: None,
                signal_facility: 2,
            },
            E::TimeInFuture { at: now, now },
            E::Export { reason: "x".into() },
        ];
        for e in &incident_errors {
            let code = ErrorCode::lookup(e.code());
            assert!(code.is_some(), "{} is not in the table", e.code());
            let conflict = code.is_some_and(|c| c.status() == StatusCode::CONFLICT);
            assert_eq!(conflict, e.is_conflict(), "{}", e.code());
        }
        let person = domain::alarm_queue::Person::user(1, "A");
        let alarm_errors = [
            domain::alarm_queue::AlarmError::AlreadyAcknowledged {
                by: person.clone(),
                at: now,
            },
            domain::alarm_queue::AlarmError::AlreadyHandled {
                by: person,
                at: now,
            },
            domain::alarm_queue::AlarmError::InvalidNote { reason: "r" },
        ];
        for e in &alarm_errors {
            let code = ErrorCode::lookup(e.code());
            assert!(code.is_some(), "{} is not in the table", e.code());
            let conflict = code.is_some_and(|c| c.status() == StatusCode::CONFLICT);
            assert_eq!(conflict, e.is_conflict(), "{}", e.code());
        }
        use domain::calls::CallError as C;
        let call_errors = [
            C::MissingIncident {
                outcome: "incident_opened",
            },
            C::MissingTransferTarget,
            C::TooLong {
                field: "note",
                max: 1,
            },
        ];
        for e in &call_errors {
            assert!(
                ErrorCode::lookup(e.code()).is_some(),
                "{} is not in the table",
                e.code()
            );
        }
    }
}
