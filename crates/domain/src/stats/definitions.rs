//! The definition of every statistic, in Vietnamese and English for the console to show
//! beside a figure, and as the SQL shape the store must compute. `docs/statistics.md` holds
//! the same definitions (a test checks that every key is documented there).

use serde::Serialize;

/// One statistic's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Definition {
    /// Stable key (also a heading anchor in `docs/statistics.md`).
    pub key: &'static str,
    /// Vietnamese name.
    pub title_vi: &'static str,
    /// English name.
    pub title_en: &'static str,
    /// Vietnamese definition.
    pub text_vi: &'static str,
    /// English definition.
    pub text_en: &'static str,
    /// The SQL the store runs (PostgreSQL dialect; `:start`/`:end` from
    /// [`super::Period::utc_range`]).
    pub sql: &'static str,
}

/// All definitions, in the order the documentation presents them.
pub const DEFINITIONS: &[Definition] = &[
    Definition {
        key: "reporting_period",
        title_vi: "Kỳ báo cáo",
        title_en: "Reporting period",
        text_vi: "Kỳ báo cáo tính theo giờ Việt Nam (UTC+7). Tháng báo cáo: từ ngày 15 tháng trước \
đến hết ngày 14 tháng báo cáo. Quý: từ ngày 15 tháng trước quý đến hết ngày 14 tháng cuối quý. \
6 tháng: 15/12 năm trước đến 14/6; 9 tháng: 15/12 năm trước đến 14/9; năm: 15/12 năm trước đến \
14/12. Kỳ theo lịch (tháng, quý, năm) và khoảng tùy chọn cũng được hỗ trợ. Một vụ thuộc kỳ khi \
thời điểm của nó nằm trong [00:00 ngày đầu, 00:00 ngày sau ngày cuối).",
        text_en: "Periods are in Vietnam time (UTC+7). Reporting month: the 15th of the previous \
month to the end of the 14th of the month. Quarter: the 15th of the month before the quarter to \
the 14th of its last month. Six months: 15/12 of the previous year to 14/6; nine months: to 14/9; \
year: 15/12 of the previous year to 14/12. Calendar months, quarters, years and custom ranges \
are also available. A record belongs to a period when its instant is in [00:00 of the first day, \
00:00 of the day after the last day).",
        sql: "WHERE t >= :start AND t < :end  -- :start, :end = Period::utc_range()",
    },
    Definition {
        key: "incident_count",
        title_vi: "Số vụ việc",
        title_en: "Incident count",
        text_vi: "Số vụ việc được tạo (tiếp nhận) trong kỳ, theo đơn vị chịu trách nhiệm và loại vụ \
việc. Cuộc gọi bị loại (máy nhầm, quấy rối) không phải vụ việc nên không được đếm.",
        text_en: "Incidents opened (accepted) in the period, by responsible unit and category. \
Dismissed calls (wrong numbers, pranks) are not incidents and are not counted.",
        sql: "SELECT unit, category, COUNT(*) FROM incidents \
WHERE created_at >= :start AND created_at < :end GROUP BY unit, category",
    },
    Definition {
        key: "year_on_year",
        title_vi: "So với cùng kỳ",
        title_en: "Year on year",
        text_vi: "Cùng kỳ là kỳ cùng loại của năm trước (tháng báo cáo 3/2026 so với tháng báo cáo \
3/2025). Tăng/giảm = kỳ này − cùng kỳ. Tỷ lệ tăng/giảm = (kỳ này − cùng kỳ) ÷ cùng kỳ × 100. Khi \
cùng kỳ bằng 0 thì tỷ lệ là \"không so sánh được\" (không chia cho 0), kể cả khi kỳ này cũng bằng 0.",
        text_en: "The same period of the previous year is the period of the same kind one year \
earlier (reporting month 3/2026 vs. reporting month 3/2025). Change = current − previous. Percent \
change = (current − previous) ÷ previous × 100. When previous is 0 the percent is \"not \
comparable\" (never a division by zero), even when current is also 0.",
        sql: "SELECT unit, category, \
COUNT(*) FILTER (WHERE created_at >= :cur_start AND created_at < :cur_end) AS current, \
COUNT(*) FILTER (WHERE created_at >= :prev_start AND created_at < :prev_end) AS previous \
FROM incidents WHERE (created_at >= :cur_start AND created_at < :cur_end) \
OR (created_at >= :prev_start AND created_at < :prev_end) GROUP BY unit, category; \
pct = CASE WHEN previous = 0 THEN NULL ELSE (current - previous) * 100.0 / previous END",
    },
    Definition {
        key: "clearance_rate",
        title_vi: "Tỷ lệ điều tra, khám phá",
        title_en: "Clearance rate",
        text_vi: "Số vụ phát hiện trong kỳ: vụ án có thời điểm phát hiện trong kỳ. Số vụ điều tra, \
khám phá trong kỳ: trong số đó, vụ có thời điểm khám phá trước thời điểm kết thúc kỳ. Tỷ lệ = số \
vụ khám phá ÷ số vụ phát hiện × 100, tính theo từng nhóm tội phạm và đơn vị; không có vụ phát \
hiện thì không tính tỷ lệ. Vụ phát hiện trước kỳ và khám phá trong kỳ (án tồn) được báo cáo riêng, \
không đưa vào tỷ lệ. Vì vậy số liệu của một kỳ đã kết thúc không thay đổi khi chạy lại báo cáo.",
        text_en: "Cases recorded in the period: cases discovered in the period. Cases cleared in \
the period: of those, cases solved before the end of the period. Rate = cleared ÷ recorded × 100, \
per crime group and unit; no rate when nothing was recorded. Cases discovered before the period \
and solved during it (backlog, \"án tồn\") are a separate line, never in the ratio. So the figures \
of a closed period do not change when the report is run again.",
        sql: "SELECT unit, grp, COUNT(*) AS recorded, \
COUNT(*) FILTER (WHERE solved_at < :end) AS cleared \
FROM cases JOIN article_groups USING (article) \
WHERE discovered_at >= :start AND discovered_at < :end GROUP BY unit, grp; \
backlog: SELECT unit, grp, COUNT(*) FROM cases JOIN article_groups USING (article) \
WHERE discovered_at < :start AND solved_at >= :start AND solved_at < :end GROUP BY unit, grp",
    },
    Definition {
        key: "serious_clearance_rate",
        title_vi: "Tỷ lệ khám phá án rất nghiêm trọng, đặc biệt nghiêm trọng",
        title_en: "Clearance rate of very and especially serious cases",
        text_vi: "Như tỷ lệ điều tra, khám phá, chỉ tính các vụ có phân loại rất nghiêm trọng hoặc \
đặc biệt nghiêm trọng. Phân loại lấy theo mức cao nhất của khung hình phạt áp dụng (Điều 9 Bộ luật \
Hình sự): đến 3 năm tù là ít nghiêm trọng, trên 3 đến 7 năm là nghiêm trọng, trên 7 đến 15 năm là \
rất nghiêm trọng, trên 15 năm, chung thân hoặc tử hình là đặc biệt nghiêm trọng. Chỉ tiêu: án trật \
tự xã hội ≥ 75%, án rất và đặc biệt nghiêm trọng ≥ 90%.",
        text_en: "As the clearance rate, over cases classed very serious or especially serious only. \
The class follows the maximum penalty of the applied bracket (Penal Code Art. 9): up to 3 years \
less serious, over 3 to 7 serious, over 7 to 15 very serious, over 15 years, life or death \
especially serious. Targets: social-order cases ≥ 75 %, very/especially serious ≥ 90 %.",
        sql: "... COUNT(*) FILTER (WHERE severity IN ('very_serious','especially_serious')) AS \
serious_recorded, COUNT(*) FILTER (WHERE severity IN ('very_serious','especially_serious') AND \
solved_at < :end) AS serious_cleared ... (same WHERE as clearance_rate)",
    },
    Definition {
        key: "crime_group",
        title_vi: "Nhóm tội phạm",
        title_en: "Crime group",
        text_vi: "Nhóm báo cáo (trật tự xã hội, kinh tế - tham nhũng - buôn lậu, ma túy, môi trường, \
công nghệ cao, khác) được xác định từ điều luật áp dụng theo bảng ánh xạ cấu hình được; điều \
không có trong bảng thuộc nhóm khác.",
        text_en: "The reporting group (social order, economic/corruption/smuggling, drugs, \
environment, high-tech, other) comes from the applied Penal Code article through a configurable \
mapping table; articles not in the table are \"other\".",
        sql: "article_groups(article INTEGER PRIMARY KEY, grp TEXT), loaded from \
CategoryMap::to_csv(); LEFT JOIN and COALESCE(grp, 'other')",
    },
    Definition {
        key: "response_time",
        title_vi: "Thời gian phản ứng",
        title_en: "Response time",
        text_vi: "Với các vụ việc tạo trong kỳ có đo được thời lượng của giai đoạn (tiếp nhận → điều \
động, điều động → có mặt, tiếp nhận → có mặt, có mặt → khống chế): số vụ, trung vị (P50) và P90 \
theo hạng gần nhất (giá trị ở hạng ⌈p × n ÷ 100⌉ sau khi sắp xếp tăng dần), trung bình cộng, và \
tỷ lệ vụ có thời lượng không vượt chỉ tiêu của mức ưu tiên. Chỉ tiêu là chỉ số quản lý nội bộ, \
không phải quy định pháp luật.",
        text_en: "For incidents opened in the period whose stage duration is measured (call → \
dispatch, dispatch → arrival, call → arrival, arrival → under control): count, median (P50) and \
P90 by nearest rank (the value at rank ⌈p × n ÷ 100⌉ in ascending order), arithmetic mean, and \
the share with a duration at or below the target for the incident's priority. Targets are \
internal management indicators, not legal thresholds.",
        sql: "WITH d AS (SELECT unit, priority, dispatch_secs AS s FROM incidents \
WHERE created_at >= :start AND created_at < :end AND dispatch_secs IS NOT NULL), \
r AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY unit, priority ORDER BY s) AS rn, \
COUNT(*) OVER (PARTITION BY unit, priority) AS n FROM d) \
SELECT unit, priority, MAX(n), MAX(s) FILTER (WHERE rn = (50*n+99)/100) AS p50, \
MAX(s) FILTER (WHERE rn = (90*n+99)/100) AS p90, AVG(s), \
COUNT(*) FILTER (WHERE s <= :target) FROM r GROUP BY unit, priority",
    },
    Definition {
        key: "fire_figures",
        title_vi: "Cháy, nổ và cứu nạn cứu hộ",
        title_en: "Fire, explosion and rescue",
        text_vi: "Với các vụ việc tạo trong kỳ thuộc nhóm cháy, nổ hoặc sự cố tai nạn (theo bảng loại \
vụ việc cấu hình được): số vụ, số người chết, bị thương, số người được cứu, tổng thiệt hại tài \
sản đã được đánh giá (đồng) và số vụ đã đánh giá thiệt hại; so với cùng kỳ.",
        text_en: "For incidents opened in the period whose category belongs to the fire, explosion \
or rescue family (configurable category lists): incidents, dead, injured, people rescued, total \
assessed damage (VND) and the number of incidents with assessed damage; compared year on year.",
        sql: "SELECT family, COUNT(*), SUM(deaths), SUM(injured), SUM(rescued), \
COALESCE(SUM(damage_vnd), 0), COUNT(damage_vnd) FROM incidents JOIN category_families \
USING (category) WHERE created_at >= :start AND created_at < :end GROUP BY family",
    },
    Definition {
        key: "false_alarm_rate",
        title_vi: "Báo cháy giả",
        title_en: "False alarms",
        text_vi: "Vụ việc do thiết bị báo cháy tạo trong kỳ và được xác định là báo giả (theo báo cáo vụ cháy, hoặc trạng thái, kết quả xử lý là báo giả), theo cơ sở và theo thiết bị. Tỷ lệ: số lần báo giả × 100 / số thiết bị đang hoạt động / số tháng đã qua của kỳ (một tháng là 30,4375 ngày); số thiết bị là số hiện tại, hệ thống không lưu lịch sử số thiết bị.",
        text_en: "Incidents opened by a fire-alarm device in the period and found to be false alarms (by the fire report, or by their status or disposition), per facility and per device. Rate: false alarms × 100 / devices in service / months of the period passed so far (a month being 30.4375 days); the device count is today's, the registry keeps no history of it.",
        sql: "SELECT facility_id, COUNT(*) FROM incidents WHERE channel = 'alarm_device' AND \
false_alarm = 1 AND created_at >= :start AND created_at < :end GROUP BY facility_id",
    },
];

/// The definition with this key.
pub fn definition(key: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_non_empty() {
        let mut keys: Vec<&str> = DEFINITIONS.iter().map(|d| d.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), DEFINITIONS.len());
        for d in DEFINITIONS {
            assert!(!d.text_vi.is_empty() && !d.text_en.is_empty() && !d.sql.is_empty());
        }
        assert_eq!(
            definition("clearance_rate").unwrap().title_en,
            "Clearance rate"
        );
        assert!(definition("nope").is_none());
    }

    #[test]
    fn every_definition_is_in_the_documentation() {
        let doc = include_str!("../../../../docs/statistics.md");
        for d in DEFINITIONS {
            assert!(
                doc.contains(&format!("`{}`", d.key)),
                "docs/statistics.md does not define `{}`",
                d.key
            );
        }
    }
}
