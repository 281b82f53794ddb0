//! Calendar periods counted in months, the one rule every use shares: windows given by their
//! length (`effective from A for N months`), `months_between`/`years_between`, and the event
//! dates of a run of years.
//!
//! As 民法典 第二百零二条 counts a period in months: it ends on the corresponding day of its
//! last month, or on that month's last day when the month has no such day.

use chrono::{Datelike, Days, Months, NaiveDate};

/// `d` moved `n` months on: the same day of the month, or the month's last day when it has no
/// such day (2023-01-31 plus one month is 2023-02-28). `None` past the last date chrono knows.
pub fn months_on(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}

/// The last day of a period that starts on `start` (itself in force) and lasts `n` months: the
/// day before `start` moved `n` months on, or the last day of that month when the day before
/// `start` is the last of its month. From 2024-03-31 for 1 month ends 2024-04-30, from
/// 2024-03-01 ends 2024-03-31, from 2024-02-29 for 12 months ends 2025-02-28. `None` when the
/// period ends past the last date chrono knows.
pub fn period_end(start: NaiveDate, n: u32) -> Option<NaiveDate> {
    if start.day() == 1 {
        // The day before is a month's last day: the period is whole calendar months.
        return months_on(start, n)?.checked_sub_days(Days::new(1));
    }
    months_on(start.checked_sub_days(Days::new(1))?, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_from_a_month_end_day_keeps_the_last_day_of_its_last_month() {
        // (start, months, last day): the rows of attack 6 F6 and the rule's edges.
        for (start, n, end) in [
            ("2024-03-30", 1, "2024-04-29"),
            ("2024-03-31", 1, "2024-04-30"),
            ("2024-01-30", 1, "2024-02-29"),
            ("2023-01-30", 1, "2023-02-28"),
            ("2024-01-31", 1, "2024-02-29"),
            ("2023-01-31", 1, "2023-02-28"),
            ("2023-08-31", 6, "2024-02-29"),
            ("2024-02-29", 12, "2025-02-28"),
            ("2024-02-28", 12, "2025-02-27"),
            ("2024-03-01", 1, "2024-03-31"),
            ("2024-02-01", 1, "2024-02-29"),
            ("2023-07-01", 12, "2024-06-30"),
            ("2023-08-01", 24, "2025-07-31"),
            ("2024-03-15", 1, "2024-04-14"),
        ] {
            assert_eq!(
                period_end(d(start), n),
                Some(d(end)),
                "from {start} for {n} months"
            );
        }
    }
}
