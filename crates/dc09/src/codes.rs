//! Event categories and the code tables of Contact ID (SIA DC-05) and SIA DC-03, with the
//! meaning of each code in Vietnamese and English.
//!
//! The tables are this crate's own, written from the public code lists. They cover every
//! fire-related code (Contact ID 110–118, 200–206, 373, 571, 604, 614; SIA `F*`, `K*`, `S*`,
//! `W*`), tests and heartbeats, power, communication, and the common panic, burglary, medical
//! and open/close codes. A code missing here is not an error: the event is decoded with
//! [`Category::Unknown`], reported, and ACKed.

use std::fmt;

/// What an event is about, for routing and priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Category {
    /// Fire, smoke, heat, flame, manual call point, sprinkler water flow.
    FireAlarm,
    /// Fire supervisory: sprinkler valves, pumps, water pressure, extinguishing agent.
    FireSupervisory,
    /// Fault of the fire system: fire loop trouble, detector faults, fire bypass.
    FireTrouble,
    /// Any other fault: power, battery, bells, sensors, modules.
    OtherTrouble,
    /// Communication path failures and restorals.
    Communication,
    /// Tests and heartbeats (periodic test, manual test, walk test).
    Test,
    /// The end of an alarm or trouble condition; see [`Event::family`](crate::Event::family)
    /// for what was restored.
    Restore,
    /// Panic, duress and hold-up.
    Panic,
    /// Medical and personal emergency.
    Medical,
    /// Burglary, intrusion and tamper.
    Burglary,
    /// Gas, carbon monoxide, water leakage, temperature and other hazards that are not fire.
    Hazard,
    /// Arming and disarming (closing and opening).
    OpenClose,
    /// Known informational events: bypass, programming, access control, power-up, logs.
    Status,
    /// A code this crate does not know. Keep the raw code; never drop the event.
    Unknown,
}

impl Category {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Category::FireAlarm => "Báo cháy",
            Category::FireSupervisory => "Giám sát hệ thống chữa cháy",
            Category::FireTrouble => "Sự cố hệ thống báo cháy",
            Category::OtherTrouble => "Sự cố khác",
            Category::Communication => "Truyền tin",
            Category::Test => "Kiểm tra / tín hiệu định kỳ",
            Category::Restore => "Trở lại bình thường",
            Category::Panic => "Khẩn cấp / bị cưỡng ép",
            Category::Medical => "Y tế",
            Category::Burglary => "Đột nhập",
            Category::Hazard => "Nguy hiểm khác (khí gas, nước, nhiệt độ)",
            Category::OpenClose => "Bật/tắt báo động",
            Category::Status => "Trạng thái",
            Category::Unknown => "Không xác định",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::FireAlarm => "Fire alarm",
            Category::FireSupervisory => "Fire supervisory",
            Category::FireTrouble => "Fire trouble",
            Category::OtherTrouble => "Other trouble",
            Category::Communication => "Communication",
            Category::Test => "Test / heartbeat",
            Category::Restore => "Restore",
            Category::Panic => "Panic / duress",
            Category::Medical => "Medical",
            Category::Burglary => "Burglary",
            Category::Hazard => "Hazard (gas, water, temperature)",
            Category::OpenClose => "Open / close",
            Category::Status => "Status",
            Category::Unknown => "Unknown",
        }
    }

    /// Whether the category concerns the fire system (alarm, supervisory or trouble).
    pub fn is_fire(self) -> bool {
        matches!(
            self,
            Category::FireAlarm | Category::FireSupervisory | Category::FireTrouble
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_en())
    }
}

/// What the tables say about one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    /// The kind of condition the code reports.
    pub family: Category,
    /// Whether the code itself reports the end of a condition (SIA restore codes such as `FH`).
    /// For Contact ID the qualifier says this instead.
    pub restore: bool,
    /// English meaning.
    pub en: &'static str,
    /// Vietnamese meaning.
    pub vi: &'static str,
}

const fn n(family: Category, en: &'static str, vi: &'static str) -> CodeInfo {
    CodeInfo {
        family,
        restore: false,
        en,
        vi,
    }
}

const fn r(family: Category, en: &'static str, vi: &'static str) -> CodeInfo {
    CodeInfo {
        family,
        restore: true,
        en,
        vi,
    }
}

use Category::{
    Burglary as B, Communication as C, FireAlarm as FA, FireSupervisory as FS, FireTrouble as FT,
    Hazard as HZ, Medical as M, OpenClose as OC, OtherTrouble as OT, Panic as P, Status as ST,
    Test as T,
};

/// Contact ID event codes (the three digits after the qualifier), sorted.
static CONTACT_ID: &[(u16, CodeInfo)] = &[
    (100, n(M, "Medical emergency", "Cấp cứu y tế")),
    (
        101,
        n(
            M,
            "Personal emergency (pendant)",
            "Khẩn cấp cá nhân (nút đeo)",
        ),
    ),
    (
        102,
        n(
            M,
            "Failure to report in",
            "Không báo cáo định kỳ (người cần giám sát)",
        ),
    ),
    (110, n(FA, "Fire alarm", "Báo cháy")),
    (111, n(FA, "Smoke detected", "Báo khói")),
    (112, n(FA, "Combustion detected", "Phát hiện cháy")),
    (
        113,
        n(
            FA,
            "Water flow (sprinkler)",
            "Nước chảy trong hệ thống chữa cháy (sprinkler)",
        ),
    ),
    (114, n(FA, "Heat detected", "Báo nhiệt")),
    (
        115,
        n(FA, "Manual call point (pull station)", "Nút ấn báo cháy"),
    ),
    (116, n(FA, "Duct smoke detector", "Đầu báo khói ống gió")),
    (117, n(FA, "Flame detected", "Phát hiện ngọn lửa")),
    (118, n(FA, "Fire pre-alarm (near alarm)", "Tiền báo cháy")),
    (120, n(P, "Panic alarm", "Báo động khẩn cấp")),
    (121, n(P, "Duress", "Báo động bị cưỡng ép")),
    (122, n(P, "Silent panic", "Báo động khẩn cấp im lặng")),
    (123, n(P, "Audible panic", "Báo động khẩn cấp có còi")),
    (
        124,
        n(P, "Duress – access granted", "Bị cưỡng ép – đã cho vào"),
    ),
    (
        125,
        n(P, "Duress – egress granted", "Bị cưỡng ép – đã cho ra"),
    ),
    (129, n(P, "Panic verified", "Báo động khẩn cấp đã xác minh")),
    (130, n(B, "Burglary", "Đột nhập")),
    (131, n(B, "Perimeter burglary", "Đột nhập vành đai")),
    (132, n(B, "Interior burglary", "Đột nhập bên trong")),
    (133, n(B, "24-hour zone (safe)", "Vùng 24 giờ (két sắt)")),
    (134, n(B, "Entry/exit burglary", "Đột nhập cửa ra vào")),
    (
        135,
        n(B, "Day/night zone burglary", "Đột nhập vùng ngày/đêm"),
    ),
    (136, n(B, "Outdoor burglary", "Đột nhập ngoài trời")),
    (137, n(B, "Tamper", "Phá hoại thiết bị")),
    (138, n(B, "Burglary near alarm", "Tiền báo đột nhập")),
    (139, n(B, "Intrusion verified", "Đột nhập đã xác minh")),
    (140, n(B, "General alarm", "Báo động chung")),
    (141, n(OT, "Polling loop open", "Hở mạch vòng hỏi")),
    (142, n(OT, "Polling loop short", "Chập mạch vòng hỏi")),
    (143, n(OT, "Expansion module failure", "Lỗi mô-đun mở rộng")),
    (144, n(B, "Sensor tamper", "Phá hoại đầu dò")),
    (
        145,
        n(B, "Expansion module tamper", "Phá hoại mô-đun mở rộng"),
    ),
    (146, n(B, "Silent burglary", "Đột nhập im lặng")),
    (
        147,
        n(OT, "Sensor supervision failure", "Mất giám sát đầu dò"),
    ),
    (
        150,
        n(
            HZ,
            "24-hour non-burglary alarm",
            "Báo động 24 giờ (không phải đột nhập)",
        ),
    ),
    (151, n(HZ, "Gas detected", "Phát hiện rò khí gas")),
    (152, n(HZ, "Refrigeration alarm", "Báo động hệ thống lạnh")),
    (153, n(HZ, "Loss of heat", "Mất sưởi")),
    (154, n(HZ, "Water leakage", "Rò rỉ nước")),
    (155, n(B, "Foil break", "Đứt dải cảm biến kính")),
    (156, n(OT, "Day trouble", "Sự cố vùng ban ngày")),
    (157, n(HZ, "Low bottled gas level", "Bình gas sắp hết")),
    (158, n(HZ, "High temperature", "Nhiệt độ cao")),
    (159, n(HZ, "Low temperature", "Nhiệt độ thấp")),
    (161, n(HZ, "Loss of air flow", "Mất lưu lượng gió")),
    (162, n(HZ, "Carbon monoxide detected", "Phát hiện khí CO")),
    (
        200,
        n(FS, "Fire supervisory", "Giám sát hệ thống chữa cháy"),
    ),
    (
        201,
        n(FS, "Low water pressure", "Áp lực nước chữa cháy thấp"),
    ),
    (202, n(FS, "Low CO2", "Thiếu khí CO2 chữa cháy")),
    (
        203,
        n(FS, "Gate valve sensor", "Cảm biến van khóa nước chữa cháy"),
    ),
    (204, n(FS, "Low water level", "Mực nước bể chữa cháy thấp")),
    (205, n(FS, "Fire pump activated", "Bơm chữa cháy đã chạy")),
    (206, n(FS, "Fire pump failure", "Lỗi bơm chữa cháy")),
    (300, n(OT, "System trouble", "Sự cố hệ thống")),
    (301, n(OT, "AC power loss", "Mất điện lưới")),
    (302, n(OT, "Low system battery", "Ắc quy hệ thống yếu")),
    (303, n(OT, "RAM checksum bad", "Lỗi bộ nhớ RAM")),
    (304, n(OT, "ROM checksum bad", "Lỗi bộ nhớ ROM")),
    (305, n(ST, "System reset", "Khởi động lại hệ thống")),
    (
        306,
        n(ST, "Panel programming changed", "Cấu hình tủ đã thay đổi"),
    ),
    (307, n(OT, "Self-test failure", "Tự kiểm tra thất bại")),
    (308, n(OT, "System shutdown", "Hệ thống ngừng hoạt động")),
    (
        309,
        n(OT, "Battery test failure", "Kiểm tra ắc quy thất bại"),
    ),
    (310, n(OT, "Ground fault", "Chạm đất")),
    (
        311,
        n(OT, "Battery missing or dead", "Mất ắc quy hoặc ắc quy hỏng"),
    ),
    (312, n(OT, "Power supply overcurrent", "Quá dòng nguồn")),
    (313, n(ST, "Engineer reset", "Kỹ thuật viên khởi động lại")),
    (320, n(OT, "Sounder/relay trouble", "Sự cố còi/rơ-le")),
    (321, n(OT, "Bell 1 trouble", "Sự cố chuông 1")),
    (322, n(OT, "Bell 2 trouble", "Sự cố chuông 2")),
    (323, n(OT, "Alarm relay trouble", "Sự cố rơ-le báo động")),
    (324, n(OT, "Trouble relay trouble", "Sự cố rơ-le báo lỗi")),
    (
        325,
        n(OT, "Reversing relay trouble", "Sự cố rơ-le đảo chiều"),
    ),
    (
        326,
        n(
            OT,
            "Notification appliance circuit 3 trouble",
            "Sự cố mạch thiết bị báo động 3",
        ),
    ),
    (
        327,
        n(
            OT,
            "Notification appliance circuit 4 trouble",
            "Sự cố mạch thiết bị báo động 4",
        ),
    ),
    (
        330,
        n(OT, "System peripheral trouble", "Sự cố thiết bị ngoại vi"),
    ),
    (
        331,
        n(
            OT,
            "Peripheral polling loop open",
            "Hở mạch vòng thiết bị ngoại vi",
        ),
    ),
    (
        332,
        n(
            OT,
            "Peripheral polling loop short",
            "Chập mạch vòng thiết bị ngoại vi",
        ),
    ),
    (333, n(OT, "Expansion module failure", "Lỗi mô-đun mở rộng")),
    (334, n(OT, "Repeater failure", "Lỗi bộ lặp tín hiệu")),
    (335, n(OT, "Local printer out of paper", "Máy in hết giấy")),
    (336, n(OT, "Local printer failure", "Lỗi máy in")),
    (
        337,
        n(
            OT,
            "Expansion module DC loss",
            "Mô-đun mở rộng mất nguồn DC",
        ),
    ),
    (
        338,
        n(
            OT,
            "Expansion module low battery",
            "Mô-đun mở rộng yếu ắc quy",
        ),
    ),
    (
        339,
        n(OT, "Expansion module reset", "Mô-đun mở rộng khởi động lại"),
    ),
    (
        341,
        n(B, "Expansion module tamper", "Phá hoại mô-đun mở rộng"),
    ),
    (
        342,
        n(
            OT,
            "Expansion module AC loss",
            "Mô-đun mở rộng mất điện lưới",
        ),
    ),
    (
        343,
        n(
            OT,
            "Expansion module self-test failure",
            "Mô-đun mở rộng tự kiểm tra thất bại",
        ),
    ),
    (
        344,
        n(
            OT,
            "RF receiver jam detected",
            "Phát hiện gây nhiễu sóng vô tuyến",
        ),
    ),
    (350, n(C, "Communication trouble", "Sự cố truyền tin")),
    (
        351,
        n(C, "Telephone line 1 fault", "Lỗi đường điện thoại 1"),
    ),
    (
        352,
        n(C, "Telephone line 2 fault", "Lỗi đường điện thoại 2"),
    ),
    (
        353,
        n(C, "Long-range radio fault", "Lỗi bộ phát vô tuyến tầm xa"),
    ),
    (
        354,
        n(C, "Failure to communicate event", "Không gửi được sự kiện"),
    ),
    (
        355,
        n(C, "Loss of radio supervision", "Mất giám sát vô tuyến"),
    ),
    (
        356,
        n(C, "Loss of central polling", "Mất hỏi vòng từ trung tâm"),
    ),
    (
        357,
        n(
            C,
            "Long-range radio VSWR problem",
            "Lỗi ăng-ten bộ phát tầm xa (VSWR)",
        ),
    ),
    (
        370,
        n(OT, "Protection loop trouble", "Sự cố mạch vòng bảo vệ"),
    ),
    (371, n(OT, "Protection loop open", "Hở mạch vòng bảo vệ")),
    (372, n(OT, "Protection loop short", "Chập mạch vòng bảo vệ")),
    (373, n(FT, "Fire loop trouble", "Sự cố mạch báo cháy")),
    (374, n(B, "Exit error alarm", "Báo động lỗi khi ra")),
    (375, n(OT, "Panic zone trouble", "Sự cố vùng khẩn cấp")),
    (376, n(OT, "Hold-up zone trouble", "Sự cố vùng báo cướp")),
    (
        377,
        n(OT, "Swinger trouble", "Sự cố vùng tự ngắt (swinger)"),
    ),
    (378, n(OT, "Cross-zone trouble", "Sự cố vùng chéo")),
    (380, n(OT, "Sensor trouble", "Sự cố đầu dò")),
    (
        381,
        n(
            OT,
            "Loss of RF supervision",
            "Mất giám sát đầu dò không dây",
        ),
    ),
    (
        382,
        n(OT, "Loss of RPM supervision", "Mất giám sát mô-đun RPM"),
    ),
    (383, n(B, "Sensor tamper", "Phá hoại đầu dò")),
    (
        384,
        n(OT, "RF transmitter low battery", "Pin đầu dò không dây yếu"),
    ),
    (
        385,
        n(
            FT,
            "Smoke detector high sensitivity",
            "Đầu báo khói độ nhạy cao",
        ),
    ),
    (
        386,
        n(
            FT,
            "Smoke detector low sensitivity",
            "Đầu báo khói độ nhạy thấp",
        ),
    ),
    (
        387,
        n(
            OT,
            "Intrusion detector high sensitivity",
            "Đầu dò đột nhập độ nhạy cao",
        ),
    ),
    (
        388,
        n(
            OT,
            "Intrusion detector low sensitivity",
            "Đầu dò đột nhập độ nhạy thấp",
        ),
    ),
    (
        389,
        n(
            OT,
            "Sensor self-test failure",
            "Đầu dò tự kiểm tra thất bại",
        ),
    ),
    (
        391,
        n(
            OT,
            "Sensor watch trouble",
            "Sự cố giám sát hoạt động đầu dò",
        ),
    ),
    (
        392,
        n(OT, "Drift compensation error", "Lỗi bù trôi đầu báo"),
    ),
    (393, n(OT, "Maintenance alert", "Cảnh báo cần bảo trì")),
    (400, n(OC, "Open/close", "Tắt/bật báo động")),
    (
        401,
        n(OC, "Open/close by user", "Tắt/bật báo động bởi người dùng"),
    ),
    (402, n(OC, "Group open/close", "Tắt/bật báo động theo nhóm")),
    (
        403,
        n(OC, "Automatic open/close", "Tắt/bật báo động tự động"),
    ),
    (404, n(OC, "Late to open/close", "Tắt/bật báo động muộn")),
    (
        405,
        n(OC, "Deferred open/close", "Tắt/bật báo động bị hoãn"),
    ),
    (
        406,
        n(ST, "Alarm cancelled by user", "Người dùng hủy báo động"),
    ),
    (407, n(OC, "Remote arm/disarm", "Tắt/bật báo động từ xa")),
    (408, n(OC, "Quick arm", "Bật báo động nhanh")),
    (
        409,
        n(OC, "Keyswitch open/close", "Tắt/bật báo động bằng khóa"),
    ),
    (411, n(ST, "Callback request made", "Yêu cầu gọi lại")),
    (
        412,
        n(
            ST,
            "Successful download/access",
            "Truy cập từ xa thành công",
        ),
    ),
    (413, n(ST, "Unsuccessful access", "Truy cập từ xa thất bại")),
    (
        414,
        n(
            ST,
            "System shutdown command received",
            "Nhận lệnh tắt hệ thống",
        ),
    ),
    (
        415,
        n(
            ST,
            "Dialer shutdown command received",
            "Nhận lệnh tắt bộ quay số",
        ),
    ),
    (416, n(ST, "Successful upload", "Tải lên thành công")),
    (421, n(ST, "Access denied", "Từ chối ra vào")),
    (
        422,
        n(
            ST,
            "Access report by user",
            "Ghi nhận ra vào của người dùng",
        ),
    ),
    (423, n(B, "Forced access", "Cửa bị mở cưỡng bức")),
    (424, n(ST, "Egress denied", "Từ chối đi ra")),
    (425, n(ST, "Egress granted", "Cho phép đi ra")),
    (
        426,
        n(ST, "Access door propped open", "Cửa ra vào bị chèn mở"),
    ),
    (441, n(OC, "Armed stay", "Bật báo động chế độ ở nhà")),
    (
        442,
        n(OC, "Keyswitch armed stay", "Bật báo động ở nhà bằng khóa"),
    ),
    (
        450,
        n(OC, "Exception open/close", "Tắt/bật báo động ngoài lịch"),
    ),
    (451, n(OC, "Early open/close", "Tắt/bật báo động sớm")),
    (452, n(OC, "Late open/close", "Tắt/bật báo động muộn")),
    (453, n(OC, "Failed to open", "Không tắt báo động đúng lịch")),
    (
        454,
        n(OC, "Failed to close", "Không bật báo động đúng lịch"),
    ),
    (
        455,
        n(OC, "Auto-arm failed", "Tự động bật báo động thất bại"),
    ),
    (456, n(OC, "Partial arm", "Bật báo động một phần")),
    (457, n(OC, "Exit error (user)", "Lỗi khi ra (người dùng)")),
    (
        458,
        n(OC, "User on premises", "Người dùng có mặt tại cơ sở"),
    ),
    (459, n(OC, "Recent close", "Vừa bật báo động")),
    (461, n(ST, "Wrong code entry", "Nhập sai mã")),
    (462, n(ST, "Legal code entry", "Nhập đúng mã")),
    (463, n(OC, "Re-arm after alarm", "Bật lại sau báo động")),
    (
        464,
        n(
            OC,
            "Auto-arm time extended",
            "Gia hạn giờ tự động bật báo động",
        ),
    ),
    (465, n(ST, "Panic alarm reset", "Đặt lại báo động khẩn cấp")),
    (
        466,
        n(ST, "Service on/off premises", "Kỹ thuật viên vào/rời cơ sở"),
    ),
    (
        520,
        n(ST, "Sounder/relay disabled", "Vô hiệu hóa còi/rơ-le"),
    ),
    (521, n(ST, "Bell 1 disabled", "Vô hiệu hóa chuông 1")),
    (522, n(ST, "Bell 2 disabled", "Vô hiệu hóa chuông 2")),
    (
        523,
        n(ST, "Alarm relay disabled", "Vô hiệu hóa rơ-le báo động"),
    ),
    (
        524,
        n(ST, "Trouble relay disabled", "Vô hiệu hóa rơ-le báo lỗi"),
    ),
    (
        525,
        n(
            ST,
            "Reversing relay disabled",
            "Vô hiệu hóa rơ-le đảo chiều",
        ),
    ),
    (
        526,
        n(
            ST,
            "Notification appliance circuit 3 disabled",
            "Vô hiệu hóa mạch thiết bị báo động 3",
        ),
    ),
    (
        527,
        n(
            ST,
            "Notification appliance circuit 4 disabled",
            "Vô hiệu hóa mạch thiết bị báo động 4",
        ),
    ),
    (531, n(ST, "Module added", "Đã thêm mô-đun")),
    (532, n(ST, "Module removed", "Đã gỡ mô-đun")),
    (551, n(ST, "Dialer disabled", "Vô hiệu hóa bộ quay số")),
    (
        552,
        n(
            ST,
            "Radio transmitter disabled",
            "Vô hiệu hóa bộ phát vô tuyến",
        ),
    ),
    (
        553,
        n(
            ST,
            "Remote upload/download disabled",
            "Vô hiệu hóa truy cập từ xa",
        ),
    ),
    (570, n(ST, "Zone/sensor bypass", "Bỏ qua vùng/đầu dò")),
    (571, n(FT, "Fire bypass", "Bỏ qua vùng báo cháy")),
    (572, n(ST, "24-hour zone bypass", "Bỏ qua vùng 24 giờ")),
    (573, n(ST, "Burglary bypass", "Bỏ qua vùng đột nhập")),
    (574, n(ST, "Group bypass", "Bỏ qua nhóm vùng")),
    (
        575,
        n(ST, "Swinger bypass", "Bỏ qua vùng tự ngắt (swinger)"),
    ),
    (576, n(ST, "Access zone shunt", "Tạm bỏ qua vùng ra vào")),
    (577, n(ST, "Access point bypass", "Bỏ qua điểm ra vào")),
    (601, n(T, "Manual test report", "Kiểm tra thủ công")),
    (602, n(T, "Periodic test report", "Kiểm tra định kỳ")),
    (
        603,
        n(T, "Periodic RF transmission", "Phát vô tuyến định kỳ"),
    ),
    (604, n(T, "Fire test", "Kiểm tra hệ thống báo cháy")),
    (
        605,
        n(ST, "Status report to follow", "Sắp gửi báo cáo trạng thái"),
    ),
    (
        606,
        n(ST, "Listen-in to follow", "Sắp nghe âm thanh hiện trường"),
    ),
    (607, n(T, "Walk test mode", "Chế độ kiểm tra đi bộ")),
    (
        608,
        n(
            T,
            "Periodic test – system trouble present",
            "Kiểm tra định kỳ – hệ thống đang có sự cố",
        ),
    ),
    (
        609,
        n(
            ST,
            "Video transmitter active",
            "Bộ phát video đang hoạt động",
        ),
    ),
    (611, n(T, "Point tested OK", "Điểm đã kiểm tra đạt")),
    (612, n(T, "Point not tested", "Điểm chưa được kiểm tra")),
    (
        613,
        n(
            T,
            "Intrusion zone walk-tested",
            "Vùng đột nhập đã kiểm tra đi bộ",
        ),
    ),
    (
        614,
        n(
            T,
            "Fire zone walk-tested",
            "Vùng báo cháy đã kiểm tra đi bộ",
        ),
    ),
    (
        615,
        n(
            T,
            "Panic zone walk-tested",
            "Vùng khẩn cấp đã kiểm tra đi bộ",
        ),
    ),
    (616, n(OT, "Service request", "Yêu cầu bảo trì")),
    (621, n(ST, "Event log reset", "Xóa nhật ký sự kiện")),
    (622, n(ST, "Event log 50% full", "Nhật ký sự kiện đầy 50%")),
    (623, n(ST, "Event log 90% full", "Nhật ký sự kiện đầy 90%")),
    (624, n(ST, "Event log overflow", "Tràn nhật ký sự kiện")),
    (625, n(ST, "Time/date reset", "Đặt lại ngày giờ")),
    (
        626,
        n(ST, "Time/date inaccurate", "Ngày giờ không chính xác"),
    ),
    (627, n(ST, "Program mode entry", "Vào chế độ lập trình")),
    (628, n(ST, "Program mode exit", "Thoát chế độ lập trình")),
    (629, n(ST, "32-hour event log marker", "Mốc nhật ký 32 giờ")),
    (630, n(ST, "Schedule change", "Thay đổi lịch")),
    (
        631,
        n(ST, "Exception schedule change", "Thay đổi lịch ngoại lệ"),
    ),
    (632, n(ST, "Access schedule change", "Thay đổi lịch ra vào")),
    (
        641,
        n(
            M,
            "Senior watch trouble",
            "Người cao tuổi không có hoạt động",
        ),
    ),
    (642, n(ST, "Latch-key supervision", "Giám sát trẻ về nhà")),
    (654, n(OT, "System inactivity", "Hệ thống không hoạt động")),
];

/// SIA DC-03 two-letter event codes, sorted.
static SIA: &[([u8; 2], CodeInfo)] = &[
    (*b"AR", r(OT, "AC restoral", "Có điện lưới trở lại")),
    (*b"AT", n(OT, "AC trouble", "Mất điện lưới")),
    (*b"BA", n(B, "Burglary alarm", "Báo động đột nhập")),
    (*b"BB", n(ST, "Burglary bypass", "Bỏ qua vùng đột nhập")),
    (*b"BC", r(B, "Burglary cancel", "Hủy báo động đột nhập")),
    (
        *b"BH",
        r(B, "Burglary alarm restore", "Hết báo động đột nhập"),
    ),
    (
        *b"BJ",
        r(OT, "Burglary trouble restore", "Hết sự cố vùng đột nhập"),
    ),
    (
        *b"BR",
        r(B, "Burglary restoral", "Vùng đột nhập trở lại bình thường"),
    ),
    (
        *b"BS",
        n(OT, "Burglary supervisory", "Giám sát vùng đột nhập"),
    ),
    (*b"BT", n(OT, "Burglary trouble", "Sự cố vùng đột nhập")),
    (
        *b"BU",
        n(ST, "Burglary unbypass", "Hủy bỏ qua vùng đột nhập"),
    ),
    (*b"BV", n(B, "Burglary verified", "Đột nhập đã xác minh")),
    (*b"BX", n(T, "Burglary test", "Kiểm tra vùng đột nhập")),
    (*b"CA", n(OC, "Automatic closing", "Tự động bật báo động")),
    (*b"CE", n(OC, "Closing extend", "Gia hạn giờ bật báo động")),
    (*b"CF", n(OC, "Forced closing", "Bật báo động cưỡng bức")),
    (*b"CG", n(OC, "Close area", "Bật báo động khu vực")),
    (
        *b"CI",
        n(OC, "Fail to close", "Không bật báo động đúng lịch"),
    ),
    (*b"CJ", n(OC, "Late close", "Bật báo động muộn")),
    (*b"CK", n(OC, "Early close", "Bật báo động sớm")),
    (*b"CL", n(OC, "Closing report", "Bật báo động (đóng)")),
    (*b"CR", n(OC, "Recent closing", "Vừa bật báo động")),
    (*b"CS", n(OC, "Closing keyswitch", "Bật báo động bằng khóa")),
    (*b"DD", n(ST, "Access denied", "Từ chối ra vào")),
    (*b"DF", n(B, "Door forced", "Cửa bị mở cưỡng bức")),
    (*b"DG", n(ST, "Access granted", "Cho phép ra vào")),
    (*b"DR", r(B, "Door restoral", "Cửa trở lại bình thường")),
    (*b"DT", n(OT, "Access trouble", "Sự cố kiểm soát ra vào")),
    (
        *b"ER",
        r(
            OT,
            "Expansion restoral",
            "Mô-đun mở rộng trở lại bình thường",
        ),
    ),
    (*b"ET", n(OT, "Expansion trouble", "Sự cố mô-đun mở rộng")),
    (*b"FA", n(FA, "Fire alarm", "Báo cháy")),
    (*b"FB", n(FT, "Fire bypass", "Bỏ qua vùng báo cháy")),
    (*b"FC", r(FA, "Fire cancel", "Hủy báo cháy")),
    (
        *b"FG",
        n(FA, "Unverified fire event", "Sự kiện cháy chưa xác minh"),
    ),
    (*b"FH", r(FA, "Fire alarm restore", "Hết báo cháy")),
    (*b"FI", n(T, "Fire test begin", "Bắt đầu kiểm tra báo cháy")),
    (*b"FJ", r(FT, "Fire trouble restore", "Hết sự cố báo cháy")),
    (*b"FK", n(T, "Fire test end", "Kết thúc kiểm tra báo cháy")),
    (*b"FL", n(ST, "Fire alarm silenced", "Đã tắt còi báo cháy")),
    (
        *b"FM",
        n(
            FA,
            "Fire alarm – cross-point verified",
            "Báo cháy đã xác minh chéo",
        ),
    ),
    (
        *b"FQ",
        r(
            FS,
            "Fire supervisory trouble restore",
            "Hết sự cố giám sát chữa cháy",
        ),
    ),
    (
        *b"FR",
        r(FA, "Fire restoral", "Vùng báo cháy trở lại bình thường"),
    ),
    (
        *b"FS",
        n(FS, "Fire supervisory", "Giám sát hệ thống chữa cháy"),
    ),
    (*b"FT", n(FT, "Fire trouble", "Sự cố hệ thống báo cháy")),
    (*b"FU", r(FT, "Fire unbypass", "Hủy bỏ qua vùng báo cháy")),
    (
        *b"FV",
        r(
            FS,
            "Fire supervisory restore",
            "Hết cảnh báo giám sát chữa cháy",
        ),
    ),
    (
        *b"FW",
        n(FS, "Fire supervisory trouble", "Sự cố giám sát chữa cháy"),
    ),
    (*b"FX", n(T, "Fire test", "Kiểm tra báo cháy")),
    (
        *b"FY",
        n(FT, "Missing fire trouble", "Mất thiết bị báo cháy"),
    ),
    (
        *b"FZ",
        n(
            FS,
            "Missing fire supervision",
            "Mất giám sát thiết bị báo cháy",
        ),
    ),
    (*b"GA", n(HZ, "Gas alarm", "Báo động rò khí gas")),
    (*b"GB", n(ST, "Gas bypass", "Bỏ qua đầu dò khí gas")),
    (*b"GH", r(HZ, "Gas alarm restore", "Hết báo động khí gas")),
    (
        *b"GJ",
        r(OT, "Gas trouble restore", "Hết sự cố đầu dò khí gas"),
    ),
    (
        *b"GR",
        r(HZ, "Gas restoral", "Đầu dò khí gas trở lại bình thường"),
    ),
    (*b"GS", n(HZ, "Gas supervisory", "Giám sát khí gas")),
    (*b"GT", n(OT, "Gas trouble", "Sự cố đầu dò khí gas")),
    (*b"GU", n(ST, "Gas unbypass", "Hủy bỏ qua đầu dò khí gas")),
    (*b"HA", n(P, "Hold-up alarm", "Báo động cướp")),
    (*b"HB", n(ST, "Hold-up bypass", "Bỏ qua vùng báo cướp")),
    (*b"HH", r(P, "Hold-up alarm restore", "Hết báo động cướp")),
    (
        *b"HJ",
        r(OT, "Hold-up trouble restore", "Hết sự cố vùng báo cướp"),
    ),
    (
        *b"HR",
        r(P, "Hold-up restoral", "Vùng báo cướp trở lại bình thường"),
    ),
    (
        *b"HS",
        n(OT, "Hold-up supervisory", "Giám sát vùng báo cướp"),
    ),
    (*b"HT", n(OT, "Hold-up trouble", "Sự cố vùng báo cướp")),
    (
        *b"HU",
        n(ST, "Hold-up unbypass", "Hủy bỏ qua vùng báo cướp"),
    ),
    (*b"JA", n(ST, "User code tamper", "Dò mã người dùng")),
    (*b"JD", n(ST, "Date changed", "Đã đổi ngày")),
    (*b"JL", n(ST, "Log threshold", "Nhật ký đạt ngưỡng")),
    (*b"JO", n(ST, "Log overflow", "Tràn nhật ký")),
    (*b"JT", n(ST, "Time changed", "Đã đổi giờ")),
    (*b"KA", n(FA, "Heat alarm", "Báo nhiệt")),
    (*b"KB", n(FT, "Heat bypass", "Bỏ qua đầu báo nhiệt")),
    (*b"KH", r(FA, "Heat alarm restore", "Hết báo nhiệt")),
    (
        *b"KJ",
        r(FT, "Heat trouble restore", "Hết sự cố đầu báo nhiệt"),
    ),
    (
        *b"KR",
        r(FA, "Heat restoral", "Đầu báo nhiệt trở lại bình thường"),
    ),
    (*b"KS", n(FS, "Heat supervisory", "Giám sát đầu báo nhiệt")),
    (*b"KT", n(FT, "Heat trouble", "Sự cố đầu báo nhiệt")),
    (*b"KU", r(FT, "Heat unbypass", "Hủy bỏ qua đầu báo nhiệt")),
    (
        *b"LB",
        n(ST, "Local programming begin", "Bắt đầu lập trình tại chỗ"),
    ),
    (
        *b"LR",
        r(
            C,
            "Phone line restoral",
            "Đường điện thoại trở lại bình thường",
        ),
    ),
    (
        *b"LS",
        n(
            ST,
            "Local programming success",
            "Lập trình tại chỗ thành công",
        ),
    ),
    (*b"LT", n(C, "Phone line trouble", "Sự cố đường điện thoại")),
    (
        *b"LU",
        n(ST, "Local programming fail", "Lập trình tại chỗ thất bại"),
    ),
    (
        *b"LX",
        n(ST, "Local programming ended", "Kết thúc lập trình tại chỗ"),
    ),
    (*b"MA", n(M, "Medical alarm", "Báo động y tế")),
    (*b"MB", n(ST, "Medical bypass", "Bỏ qua vùng y tế")),
    (*b"MH", r(M, "Medical alarm restore", "Hết báo động y tế")),
    (
        *b"MJ",
        r(OT, "Medical trouble restore", "Hết sự cố thiết bị y tế"),
    ),
    (
        *b"MR",
        r(M, "Medical restoral", "Vùng y tế trở lại bình thường"),
    ),
    (
        *b"MS",
        n(OT, "Medical supervisory", "Giám sát thiết bị y tế"),
    ),
    (*b"MT", n(OT, "Medical trouble", "Sự cố thiết bị y tế")),
    (*b"MU", n(ST, "Medical unbypass", "Hủy bỏ qua vùng y tế")),
    (*b"NL", n(OC, "Perimeter armed", "Bật báo động vành đai")),
    (*b"NR", r(C, "Network restoral", "Mạng trở lại bình thường")),
    (*b"NT", n(C, "Network failure", "Mất kết nối mạng")),
    (*b"OA", n(OC, "Automatic opening", "Tự động tắt báo động")),
    (*b"OC", n(ST, "Cancel report", "Hủy báo động")),
    (*b"OG", n(OC, "Open area", "Tắt báo động khu vực")),
    (
        *b"OI",
        n(OC, "Fail to open", "Không tắt báo động đúng lịch"),
    ),
    (*b"OJ", n(OC, "Late open", "Tắt báo động muộn")),
    (*b"OK", n(OC, "Early open", "Tắt báo động sớm")),
    (*b"OP", n(OC, "Opening report", "Tắt báo động (mở)")),
    (
        *b"OR",
        n(OC, "Disarm from alarm", "Tắt báo động khi đang báo động"),
    ),
    (*b"OS", n(OC, "Opening keyswitch", "Tắt báo động bằng khóa")),
    (*b"PA", n(P, "Panic alarm", "Báo động khẩn cấp")),
    (*b"PB", n(ST, "Panic bypass", "Bỏ qua vùng khẩn cấp")),
    (*b"PH", r(P, "Panic alarm restore", "Hết báo động khẩn cấp")),
    (
        *b"PJ",
        r(OT, "Panic trouble restore", "Hết sự cố vùng khẩn cấp"),
    ),
    (
        *b"PR",
        r(P, "Panic restoral", "Vùng khẩn cấp trở lại bình thường"),
    ),
    (*b"PS", n(OT, "Panic supervisory", "Giám sát vùng khẩn cấp")),
    (*b"PT", n(OT, "Panic trouble", "Sự cố vùng khẩn cấp")),
    (*b"PU", n(ST, "Panic unbypass", "Hủy bỏ qua vùng khẩn cấp")),
    (*b"QA", n(M, "Emergency alarm", "Báo động cấp cứu")),
    (
        *b"QH",
        r(M, "Emergency alarm restore", "Hết báo động cấp cứu"),
    ),
    (
        *b"QR",
        r(M, "Emergency restoral", "Vùng cấp cứu trở lại bình thường"),
    ),
    (
        *b"RB",
        n(ST, "Remote program begin", "Bắt đầu lập trình từ xa"),
    ),
    (*b"RC", n(ST, "Relay close", "Đóng rơ-le")),
    (
        *b"RD",
        n(ST, "Remote program denied", "Từ chối lập trình từ xa"),
    ),
    (*b"RN", n(ST, "Remote reset", "Khởi động lại từ xa")),
    (*b"RO", n(ST, "Relay open", "Mở rơ-le")),
    (
        *b"RP",
        n(T, "Automatic (periodic) test", "Kiểm tra định kỳ tự động"),
    ),
    (*b"RR", n(ST, "Power up", "Khởi động (cấp nguồn)")),
    (
        *b"RS",
        n(ST, "Remote program success", "Lập trình từ xa thành công"),
    ),
    (
        *b"RU",
        n(ST, "Remote program fail", "Lập trình từ xa thất bại"),
    ),
    (*b"RX", n(T, "Manual test", "Kiểm tra thủ công")),
    (
        *b"RY",
        n(T, "Test off normal", "Kiểm tra khi hệ thống bất thường"),
    ),
    (
        *b"SA",
        n(FA, "Sprinkler alarm", "Báo động sprinkler (nước chữa cháy)"),
    ),
    (*b"SB", n(FT, "Sprinkler bypass", "Bỏ qua vùng sprinkler")),
    (
        *b"SC",
        n(
            FS,
            "Sprinkler change of state",
            "Thay đổi trạng thái sprinkler",
        ),
    ),
    (
        *b"SH",
        r(FA, "Sprinkler alarm restore", "Hết báo động sprinkler"),
    ),
    (
        *b"SJ",
        r(FT, "Sprinkler trouble restore", "Hết sự cố sprinkler"),
    ),
    (
        *b"SR",
        r(FA, "Sprinkler restoral", "Sprinkler trở lại bình thường"),
    ),
    (*b"SS", n(FS, "Sprinkler supervisory", "Giám sát sprinkler")),
    (*b"ST", n(FT, "Sprinkler trouble", "Sự cố sprinkler")),
    (
        *b"SU",
        r(FT, "Sprinkler unbypass", "Hủy bỏ qua vùng sprinkler"),
    ),
    (*b"TA", n(B, "Tamper alarm", "Báo động phá hoại thiết bị")),
    (*b"TB", n(ST, "Tamper bypass", "Bỏ qua vùng chống phá hoại")),
    (*b"TE", n(T, "Test end", "Kết thúc kiểm tra")),
    (*b"TR", r(B, "Tamper restoral", "Hết phá hoại thiết bị")),
    (*b"TS", n(T, "Test start", "Bắt đầu kiểm tra")),
    (
        *b"TU",
        n(ST, "Tamper unbypass", "Hủy bỏ qua vùng chống phá hoại"),
    ),
    (*b"TX", n(T, "Test report", "Báo cáo kiểm tra")),
    (
        *b"UA",
        n(B, "Untyped zone alarm", "Báo động vùng không phân loại"),
    ),
    (
        *b"UB",
        n(ST, "Untyped zone bypass", "Bỏ qua vùng không phân loại"),
    ),
    (
        *b"UH",
        r(
            B,
            "Untyped alarm restore",
            "Hết báo động vùng không phân loại",
        ),
    ),
    (
        *b"UJ",
        r(
            OT,
            "Untyped trouble restore",
            "Hết sự cố vùng không phân loại",
        ),
    ),
    (
        *b"UR",
        r(
            B,
            "Untyped zone restoral",
            "Vùng không phân loại trở lại bình thường",
        ),
    ),
    (
        *b"UT",
        n(OT, "Untyped zone trouble", "Sự cố vùng không phân loại"),
    ),
    (
        *b"UU",
        n(
            ST,
            "Untyped zone unbypass",
            "Hủy bỏ qua vùng không phân loại",
        ),
    ),
    (
        *b"WA",
        n(FA, "Water flow alarm", "Báo động dòng nước chữa cháy"),
    ),
    (*b"WB", n(FT, "Water flow bypass", "Bỏ qua vùng dòng nước")),
    (
        *b"WH",
        r(FA, "Water flow alarm restore", "Hết báo động dòng nước"),
    ),
    (
        *b"WJ",
        r(FT, "Water flow trouble restore", "Hết sự cố vùng dòng nước"),
    ),
    (
        *b"WR",
        r(
            FA,
            "Water flow restoral",
            "Vùng dòng nước trở lại bình thường",
        ),
    ),
    (
        *b"WS",
        n(FS, "Water supervisory", "Giám sát nước chữa cháy"),
    ),
    (*b"WT", n(FT, "Water flow trouble", "Sự cố vùng dòng nước")),
    (
        *b"WU",
        r(FT, "Water flow unbypass", "Hủy bỏ qua vùng dòng nước"),
    ),
    (
        *b"XH",
        r(OT, "RF interference restoral", "Hết nhiễu sóng vô tuyến"),
    ),
    (*b"XQ", n(OT, "RF interference", "Nhiễu sóng vô tuyến")),
    (
        *b"XR",
        r(
            OT,
            "Transmitter battery restoral",
            "Pin bộ phát trở lại bình thường",
        ),
    ),
    (
        *b"XT",
        n(OT, "Transmitter battery trouble", "Pin bộ phát yếu"),
    ),
    (*b"YA", n(OT, "Bell fault", "Lỗi chuông/còi")),
    (*b"YC", n(C, "Communications fail", "Truyền tin thất bại")),
    (
        *b"YF",
        n(OT, "Parameter checksum fail", "Lỗi tổng kiểm tra tham số"),
    ),
    (*b"YG", n(ST, "Parameter changed", "Tham số đã thay đổi")),
    (
        *b"YH",
        r(OT, "Bell restored", "Chuông/còi trở lại bình thường"),
    ),
    (*b"YI", n(OT, "Overcurrent trouble", "Sự cố quá dòng")),
    (*b"YJ", r(OT, "Overcurrent restore", "Hết quá dòng")),
    (
        *b"YK",
        r(
            C,
            "Communications restoral",
            "Truyền tin trở lại bình thường",
        ),
    ),
    (
        *b"YM",
        n(OT, "System battery missing", "Mất ắc quy hệ thống"),
    ),
    (*b"YN", n(ST, "Invalid report", "Báo cáo không hợp lệ")),
    (*b"YO", n(ST, "Unknown message", "Bản tin không xác định")),
    (*b"YP", n(OT, "Power supply trouble", "Sự cố bộ nguồn")),
    (
        *b"YQ",
        r(OT, "Power supply restored", "Bộ nguồn trở lại bình thường"),
    ),
    (
        *b"YR",
        r(
            OT,
            "System battery restoral",
            "Ắc quy hệ thống trở lại bình thường",
        ),
    ),
    (*b"YS", n(C, "Communications trouble", "Sự cố truyền tin")),
    (
        *b"YT",
        n(OT, "System battery trouble", "Ắc quy hệ thống yếu"),
    ),
    (
        *b"YW",
        n(ST, "Watchdog reset", "Tự khởi động lại (watchdog)"),
    ),
    (*b"YX", n(OT, "Service required", "Cần bảo trì")),
    (*b"YY", n(ST, "Status report", "Báo cáo trạng thái")),
    (*b"YZ", n(ST, "Service completed", "Đã bảo trì xong")),
];

/// What the table says about a Contact ID event code (`EEE`, 0..=999).
pub fn contact_id_info(code: u16) -> Option<&'static CodeInfo> {
    CONTACT_ID
        .binary_search_by_key(&code, |(c, _)| *c)
        .ok()
        .map(|i| &CONTACT_ID[i].1)
}

/// What the table says about a SIA DC-03 event code (two uppercase letters).
pub fn sia_info(code: [u8; 2]) -> Option<&'static CodeInfo> {
    SIA.binary_search_by_key(&code, |(c, _)| *c)
        .ok()
        .map(|i| &SIA[i].1)
}

/// Every Contact ID code in the table, in order.
pub fn contact_id_codes() -> impl Iterator<Item = (u16, &'static CodeInfo)> {
    CONTACT_ID.iter().map(|(c, i)| (*c, i))
}

/// Every SIA code in the table, in order.
pub fn sia_codes() -> impl Iterator<Item = ([u8; 2], &'static CodeInfo)> {
    SIA.iter().map(|(c, i)| (*c, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(CONTACT_ID.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(SIA.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, info) in CONTACT_ID {
            assert!(*code < 1000);
            assert!(!info.en.is_empty() && !info.vi.is_empty(), "{code}");
        }
        for (code, info) in SIA {
            assert!(code.iter().all(u8::is_ascii_uppercase));
            assert!(!info.en.is_empty() && !info.vi.is_empty());
        }
    }

    #[test]
    fn every_required_fire_code_is_covered() {
        for code in (110..=118).chain(200..=206).chain([373]) {
            let info = contact_id_info(code).unwrap_or_else(|| panic!("cid {code}"));
            assert!(info.family.is_fire(), "cid {code}");
        }
        assert_eq!(contact_id_info(110).unwrap().family, Category::FireAlarm);
        assert_eq!(contact_id_info(115).unwrap().family, Category::FireAlarm);
        assert_eq!(
            contact_id_info(203).unwrap().family,
            Category::FireSupervisory
        );
        assert_eq!(contact_id_info(373).unwrap().family, Category::FireTrouble);
        for family in [b'F', b'K', b'S', b'W'] {
            let count = SIA.iter().filter(|(c, _)| c[0] == family).count();
            assert!(count >= 8, "{}", family as char);
        }
        for code in [
            "FA", "FH", "FJ", "FR", "FS", "FT", "FV", "KA", "KH", "SA", "SS", "WA",
        ] {
            let info = sia_info(code.as_bytes().try_into().unwrap()).unwrap();
            let fire = info.family.is_fire();
            assert!(fire, "{code}");
        }
    }

    #[test]
    fn restore_codes_are_flagged() {
        for code in ["FH", "FJ", "FR", "KH", "KR", "YR", "AR", "YK", "BR"] {
            assert!(
                sia_info(code.as_bytes().try_into().unwrap())
                    .unwrap()
                    .restore,
                "{code}"
            );
        }
        for code in ["FA", "FT", "RP", "CL", "OP"] {
            assert!(
                !sia_info(code.as_bytes().try_into().unwrap())
                    .unwrap()
                    .restore,
                "{code}"
            );
        }
    }

    #[test]
    fn supervision_and_power_codes() {
        assert_eq!(sia_info(*b"RP").unwrap().family, Category::Test);
        assert_eq!(contact_id_info(602).unwrap().family, Category::Test);
        assert_eq!(contact_id_info(301).unwrap().family, Category::OtherTrouble);
        assert_eq!(
            contact_id_info(350).unwrap().family,
            Category::Communication
        );
        assert_eq!(sia_info(*b"YC").unwrap().family, Category::Communication);
        assert_eq!(contact_id_info(121).unwrap().family, Category::Panic);
        assert_eq!(contact_id_info(130).unwrap().family, Category::Burglary);
        assert_eq!(contact_id_info(100).unwrap().family, Category::Medical);
        assert_eq!(contact_id_info(999), None);
        assert_eq!(sia_info(*b"JC"), None);
    }
}
