//! Small renderings for the terminal: UTC timestamps and the `--summary` line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::bridge::results::TurnResult;

/// `2025-05-01T12:34:56.789Z` for a moment (no time-zone database needed).
pub fn utc(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let millis = since.subsec_millis();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    format!("{}.{millis:03}Z", utc_seconds(secs))
}

/// `2025-05-01T12:34:56` for unix seconds.
pub fn utc_seconds(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The `--summary` line: tokens, the turn's own time and the command's wall time.
pub fn summary(result: &TurnResult, wall: Duration) -> String {
    let tokens = match &result.usage {
        Some(usage) => format!(
            "tokens: {} in ({} cached), {} out ({} reasoning), {} total",
            usage.input_tokens,
            usage.cached_input_tokens,
            usage.output_tokens,
            usage.reasoning_output_tokens,
            usage.total_tokens
        ),
        None => "tokens: not reported".to_string(),
    };
    format!(
        "{tokens}; turn {} ms; total {} ms; status {}",
        result.duration_ms,
        wall.as_millis(),
        result.status.word()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_seconds(0), "1970-01-01T00:00:00");
        assert_eq!(utc_seconds(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc_seconds(1_735_689_599), "2024-12-31T23:59:59");
        let t = UNIX_EPOCH + Duration::from_millis(1_500);
        assert_eq!(utc(t), "1970-01-01T00:00:01.500Z");
    }
}
