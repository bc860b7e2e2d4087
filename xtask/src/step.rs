//! Announcing the steps of a long task, so a run that builds or installs for minutes shows
//! what it is doing and since when.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Prints `== HH:MM:SS what` (UTC wall time), the line every step starts with.
pub(crate) fn announce(what: &str) {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
        % 86_400;
    println!(
        "== {:02}:{:02}:{:02} {what}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
}

/// `3m07s` or `12s`: how long since `start`.
pub(crate) fn elapsed(start: Instant) -> String {
    minutes_and_seconds(start.elapsed())
}

fn minutes_and_seconds(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        format!("{seconds}s")
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(minutes_and_seconds(Duration::from_millis(12_900)), "12s");
        assert_eq!(minutes_and_seconds(Duration::from_secs(61)), "1m01s");
        assert_eq!(minutes_and_seconds(Duration::from_secs(487)), "8m07s");
    }
}
