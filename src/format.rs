//! Times and ages as the screens and the command line both write them.

use time::OffsetDateTime;

/// "3 min ago", "2 h ago", "5 d ago", or "never".
pub fn ago(time: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    let Some(time) = time else {
        return "never".into();
    };
    let seconds = (now - time).whole_seconds().max(0);
    match seconds {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// A timestamp for people, in UTC.
pub fn clock(time: Option<OffsetDateTime>) -> String {
    time.and_then(|t| {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
        ))
        .ok()
    })
    .unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(100);
        assert_eq!(
            ago(Some(now - time::Duration::minutes(5)), now),
            "5 min ago"
        );
        assert_eq!(ago(Some(now - time::Duration::hours(3)), now), "3 h ago");
        assert_eq!(ago(Some(now - time::Duration::days(9)), now), "9 d ago");
        assert_eq!(ago(None, now), "never");
    }
}
