//! The LLSD `date` scalar: seconds since the Unix epoch (UTC) as an `f64`,
//! written as ISO-8601 text (`2006-02-01T14:29:53.43Z`) in XML and notation.

use std::fmt;
use std::str::FromStr;

/// Seconds from the epoch to 0000-01-01T00:00:00Z, the earliest date a
/// four-digit year can write.
const MIN_SECS: f64 = -62_167_219_200.0;
/// Seconds from the epoch to 10000-01-01T00:00:00Z (exclusive upper bound).
const MAX_SECS: f64 = 253_402_300_800.0;
const SECS_PER_DAY: i64 = 86_400;

/// An LLSD date: an instant in UTC, held as seconds since 1970-01-01T00:00:00Z.
///
/// Only finite instants in years 0000–9999 exist, so every `Date` can be
/// written as four-digit ISO-8601 text; the constructors refuse the rest.
#[derive(Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Date(f64);

/// A date that cannot be represented or a date text that is not ISO-8601.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DateError {
    /// The seconds value is NaN or infinite.
    #[error("date seconds {0} is not a finite number")]
    NotFinite(f64),
    /// The instant lies outside years 0000–9999.
    #[error("date {0} s since the epoch lies outside years 0000-9999")]
    OutOfRange(f64),
    /// The text does not follow `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    #[error("date text {text:?} is not ISO-8601 `YYYY-MM-DDTHH:MM:SS[.fff]Z`: {why}")]
    BadText {
        /// The text as given.
        text: String,
        /// Which part was wrong.
        why: &'static str,
    },
}

impl Date {
    /// 1970-01-01T00:00:00Z, also what an empty `<date/>` means.
    pub const EPOCH: Date = Date(0.0);

    /// A date from seconds since the epoch; fails for NaN, infinities and
    /// instants outside years 0000–9999.
    pub fn from_unix_seconds(secs: f64) -> Result<Date, DateError> {
        if !secs.is_finite() {
            return Err(DateError::NotFinite(secs));
        }
        if !(MIN_SECS..MAX_SECS).contains(&secs) {
            return Err(DateError::OutOfRange(secs));
        }
        Ok(Date(secs))
    }

    /// Seconds since the epoch (fractional part kept).
    pub fn unix_seconds(self) -> f64 {
        self.0
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    pub fn parse_iso8601(text: &str) -> Result<Date, DateError> {
        let bad = |why| DateError::BadText {
            text: text.to_string(),
            why,
        };
        let b = text.as_bytes();
        if b.len() < 20 {
            return Err(bad("too short"));
        }
        let num = |range: std::ops::Range<usize>, why| -> Result<i64, DateError> {
            let digits = &b[range];
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad(why));
            }
            Ok(digits
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
        };
        let year = num(0..4, "year is not four digits")?;
        let month = num(5..7, "month is not two digits")?;
        let day = num(8..10, "day is not two digits")?;
        let hour = num(11..13, "hour is not two digits")?;
        let minute = num(14..16, "minute is not two digits")?;
        let second = num(17..19, "second is not two digits")?;
        if b[4] != b'-' || b[7] != b'-' {
            return Err(bad("date parts are not separated by '-'"));
        }
        if b[10] != b'T' && b[10] != b't' {
            return Err(bad("no 'T' between date and time"));
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(bad("time parts are not separated by ':'"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("month out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(bad("day out of range for the month"));
        }
        // 60 admits a leap second; it simply counts into the next minute.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad("time of day out of range"));
        }
        let rest = &text[19..];
        let (fraction, zone) = match rest.strip_prefix('.') {
            Some(f) => {
                let digits = f.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Err(bad("no digits after the decimal point"));
                }
                (&f[..digits], &f[digits..])
            }
            None => ("", rest),
        };
        if zone != "Z" && zone != "z" {
            return Err(bad("does not end in 'Z' (UTC)"));
        }
        let whole =
            days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + minute * 60 + second;
        if fraction.is_empty() {
            return Date::from_unix_seconds(whole as f64);
        }
        if whole == -1 {
            // The last second before the epoch: -1 + 0.f is -(1 - 0.f), read
            // as one decimal so the result is correctly rounded (the writer
            // below produces exactly this form).
            return match ten_complement(fraction) {
                Some(c) => format!("-0.{c}")
                    .parse::<f64>()
                    .map_err(|_| bad("fraction is not a number"))
                    .and_then(Date::from_unix_seconds),
                None => Date::from_unix_seconds(-1.0),
            };
        }
        // "0.<digits>" parses to the nearest f64; a fraction written by
        // `Display` below reads back to the same bits, and adding it to the
        // whole seconds is then exact.
        let frac = format!("0.{fraction}")
            .parse::<f64>()
            .map_err(|_| bad("fraction is not a number"))?;
        Date::from_unix_seconds(whole as f64 + frac)
    }

    /// Writes the date as `YYYY-MM-DDTHH:MM:SS[.fraction]Z`; the fraction is
    /// the shortest text that reads back to the same seconds value.
    pub fn to_iso8601(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > -1.0 && self.0 < 0.0 {
            // Within the second before the epoch `secs - floor(secs)` can
            // round; write the exact complement of the shortest text of
            // `-secs` instead, which the parser reads back as one decimal.
            let text = (-self.0).to_string();
            let digits = text.strip_prefix("0.").unwrap_or("");
            return match ten_complement(digits) {
                Some(c) => write!(f, "1969-12-31T23:59:59.{c}Z"),
                None => f.write_str("1970-01-01T00:00:00Z"),
            };
        }
        let whole = self.0.floor();
        // Exact: for |secs| >= 1 by Sterbenz's lemma, and for [0, 1) because
        // the floor is zero.
        let frac = self.0 - whole;
        let whole = whole as i64;
        let days = whole.div_euclid(SECS_PER_DAY);
        let sod = whole.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if frac > 0.0 {
            let text = frac.to_string();
            // `Display` of a value in (0, 1) is "0.<digits>".
            f.write_str(text.strip_prefix('0').unwrap_or(&text))?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse_iso8601(s)
    }
}

/// `10^n - d` for the `n` decimal digits `d`, as `n` digits; `None` when `d`
/// is all zeros.
fn ten_complement(digits: &str) -> Option<String> {
    let b = digits.as_bytes();
    let last = b.iter().rposition(|&c| c != b'0')?;
    let mut out = String::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        let d = c - b'0';
        out.push(char::from(
            b'0' + match i.cmp(&last) {
                std::cmp::Ordering::Less => 9 - d,
                std::cmp::Ordering::Equal => 10 - d,
                std::cmp::Ordering::Greater => 0,
            },
        ));
    }
    Some(out)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's
/// era-based algorithm: 400-year eras of 146097 days).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let d = Date::parse_iso8601("2006-02-01T14:29:53Z").unwrap();
        assert_eq!(d.unix_seconds(), 1_138_804_193.0);
        assert_eq!(d.to_string(), "2006-02-01T14:29:53Z");
        let d = Date::parse_iso8601("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(d.unix_seconds(), -0.5);
        assert_eq!(d.to_string(), "1969-12-31T23:59:59.5Z");
        let d = Date::parse_iso8601("1969-12-31T23:59:59.25Z").unwrap();
        assert_eq!(d.unix_seconds(), -0.75);
        assert_eq!(d.to_string(), "1969-12-31T23:59:59.25Z");
        assert_eq!(
            Date::parse_iso8601("0000-01-01T00:00:00Z")
                .unwrap()
                .unix_seconds(),
            MIN_SECS
        );
        assert_eq!(
            Date::parse_iso8601("2000-02-29T00:00:00Z")
                .unwrap()
                .to_string(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn bad_dates() {
        for t in [
            "",
            "2006-02-30T00:00:00Z",
            "2006-13-01T00:00:00Z",
            "2006-02-01 14:29:53Z",
            "2006-02-01T14:29:53",
            "2006-02-01T24:00:00Z",
            "2006-02-01T14:29:53.Z",
            "20x6-02-01T14:29:53Z",
            "1900-02-29T00:00:00Z",
        ] {
            assert!(Date::parse_iso8601(t).is_err(), "{t} accepted");
        }
        assert!(Date::from_unix_seconds(f64::NAN).is_err());
        assert!(Date::from_unix_seconds(MAX_SECS).is_err());
    }

    #[test]
    fn last_second_before_the_epoch_round_trips_exactly() {
        for secs in [
            -1e-300,
            -1e-20,
            -0.3,
            -0.7,
            -0.1 - 1e-17,
            -0.9999999999999999,
            -5e-324,
        ] {
            let d = Date::from_unix_seconds(secs).unwrap();
            let text = d.to_string();
            assert!(text.starts_with("1969-12-31T23:59:59."), "{text}");
            let back = Date::parse_iso8601(&text).unwrap();
            assert_eq!(back.unix_seconds().to_bits(), secs.to_bits(), "{text}");
        }
    }

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let mut day = MIN_SECS as i64 / SECS_PER_DAY;
        while day < MAX_SECS as i64 / SECS_PER_DAY {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            day += 97;
        }
    }
}
