//! Small formatting helpers for the screens.

use time::OffsetDateTime;

/// "3 min ago", "2 h ago", "5 d ago", or "never".
pub fn ago(time: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    crate::format::ago(time, now)
}

/// An age as "4:12" (minutes:seconds) or "2 h 5 min".
pub fn age(since: OffsetDateTime, now: OffsetDateTime) -> String {
    let seconds = (now - since).whole_seconds().max(0);
    if seconds < 3600 {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    } else {
        format!("{} h {} min", seconds / 3600, seconds % 3600 / 60)
    }
}

/// A time of day in UTC.
pub fn time_of_day(time: OffsetDateTime) -> String {
    time.format(time::macros::format_description!(
        "[hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// A date and time in UTC.
pub fn date_time(time: Option<OffsetDateTime>) -> String {
    crate::format::clock(time)
}

/// A date and time to the minute, UTC (`2026-11-24 07:30`), for tables; `—` when unknown.
pub fn date_minute(time: Option<OffsetDateTime>) -> String {
    time.and_then(|t| {
        t.to_offset(time::UtcOffset::UTC)
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .ok()
    })
    .unwrap_or_else(|| "—".into())
}

/// A number with thin spaces between thousands: 48 000.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `text` cut to at most `width` columns, ending in `ellipsis` when cut.
pub fn fit(text: &str, width: usize, ellipsis: &str) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    let room = width.saturating_sub(ellipsis.width());
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if ellipsis.width() <= width {
        out.push_str(ellipsis);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1234), "1 234");
        assert_eq!(count(100000), "100 000");
    }

    #[test]
    fn fit_cuts_by_columns_and_marks_the_cut() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(fit("contoso", 10, "…"), "contoso");
        assert_eq!(fit("contoso", 7, "…"), "contoso");
        assert_eq!(fit("contoso", 5, "…"), "cont…");
        assert_eq!(fit("contoso", 5, "..."), "co...");
        // A wide character never straddles the edge.
        assert_eq!(fit("東京の端末", 6, "…"), "東京…");
        assert!(fit("東京の端末", 6, "…").width() <= 6);
        assert_eq!(fit("contoso", 0, "…"), "");
    }
}
