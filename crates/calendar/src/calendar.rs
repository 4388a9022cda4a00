//! The working-day calendar: which days are working days, and counting them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use time::Date;

use crate::error::CalendarError;
use crate::year::{is_weekend, Holiday, HolidayKind, Names, Year};

/// The year files compiled into the binary.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "kz-2020.toml",
        include_str!("../../../assets/calendars/kz-2020.toml"),
    ),
    (
        "kz-2021.toml",
        include_str!("../../../assets/calendars/kz-2021.toml"),
    ),
    (
        "kz-2022.toml",
        include_str!("../../../assets/calendars/kz-2022.toml"),
    ),
    (
        "kz-2023.toml",
        include_str!("../../../assets/calendars/kz-2023.toml"),
    ),
    (
        "kz-2024.toml",
        include_str!("../../../assets/calendars/kz-2024.toml"),
    ),
    (
        "kz-2025.toml",
        include_str!("../../../assets/calendars/kz-2025.toml"),
    ),
    (
        "kz-2026.toml",
        include_str!("../../../assets/calendars/kz-2026.toml"),
    ),
    (
        "kz-2027.toml",
        include_str!("../../../assets/calendars/kz-2027.toml"),
    ),
];

/// Why a day is, or is not, a working day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday to Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A public holiday (Law «On holidays»).
    Holiday {
        /// The holiday's name.
        name: Names,
    },
    /// The first day of Kurban Ait or 7 January: a day off that never moves (Labour Code
    /// art. 84 ¶5).
    ReligiousDayOff {
        /// The day's name.
        name: Names,
    },
    /// The day off of a holiday that fell on a Saturday or Sunday (Law «On holidays» art. 5).
    MovedHoliday {
        /// The holiday that fell on the weekend.
        holiday: Date,
        /// Its name.
        name: Names,
    },
    /// A working day made a day off by the Government's decree.
    DecreeDayOff {
        /// The day off that was made a working day in exchange.
        working_day: Date,
        /// The decree.
        decree: String,
    },
    /// A day off made a working day by the Government's decree.
    DecreeWorkingDay {
        /// The day that became a day off in exchange.
        day_off: Date,
        /// The decree.
        decree: String,
    },
}

/// One day of the calendar, with the reason it is or is not a working day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The date.
    pub date: Date,
    /// Whether it is a working day.
    pub working: bool,
    /// Why.
    #[serde(flatten)]
    pub kind: DayKind,
}

impl Day {
    /// One English sentence saying why this day is or is not a working day, e.g.
    /// `2025-03-24 (Monday) is a day off: Nauryz meyramy of Saturday 2025-03-22 moved to the
    /// next working day (Law «On holidays» art. 5)`.
    pub fn explain(&self) -> String {
        let head = format!(
            "{} ({}) is {}",
            self.date,
            self.date.weekday(),
            if self.working {
                "a working day"
            } else {
                "a day off"
            }
        );
        let why = match &self.kind {
            DayKind::Workday => return head,
            DayKind::Weekend => "weekend".to_owned(),
            DayKind::Holiday { name } => format!("{} (Law «On holidays»)", name.en),
            DayKind::ReligiousDayOff { name } => {
                format!(
                    "{}, a day off that never moves (Labour Code art. 84 ¶5)",
                    name.en
                )
            }
            DayKind::MovedHoliday { holiday, name } => format!(
                "{} of {} {holiday} moved to the next working day (Law «On holidays» art. 5)",
                name.en,
                holiday.weekday()
            ),
            DayKind::DecreeDayOff {
                working_day,
                decree,
            } => format!(
                "transferred from {} {working_day} by {decree}",
                working_day.weekday()
            ),
            DayKind::DecreeWorkingDay { day_off, decree } => format!(
                "its day off was transferred to {} {day_off} by {decree}",
                day_off.weekday()
            ),
        };
        format!("{head}: {why}")
    }
}

/// Kazakhstan's working-day calendar, one validated data file per year.
///
/// A working day is a Monday to Friday that is not a holiday, not a religious day off, not
/// the moved day off of a weekend holiday and not a day off by decree; or a Saturday or
/// Sunday the Government's decree made a working day. A date in a year without data is an
/// error ([`CalendarError::YearNotCovered`]), never a guess.
///
/// # Counting terms
///
/// Kazakh law counts a term from the day after the event (Civil Code of RK, General Part,
/// art. 170 — the article number is from memory, the code is not among our sources: a term set by
/// a period begins the day after the date or the event that starts it): "within two working
/// days from registration" ends on the 2nd working day after the registration day, which
/// itself does not count. Hence [`Calendar::add_working_days`]`(d, n)` is that n-th working
/// day, and [`Calendar::working_days_between`]`(from, to)` counts the working days `d` with
/// `from < d <= to`, so that one undoes the other.
#[derive(Clone, Debug)]
pub struct Calendar {
    years: BTreeMap<i32, Indexed>,
}

#[derive(Clone, Debug)]
struct Indexed {
    year: Year,
    /// Every day that is not an ordinary weekday or weekend.
    special: BTreeMap<Date, DayKind>,
}

impl Indexed {
    fn new(year: Year) -> Indexed {
        let decree = year.decree.clone().unwrap_or_default();
        let mut special = BTreeMap::new();
        for h in &year.holidays {
            let kind = match h.kind {
                HolidayKind::Public => DayKind::Holiday {
                    name: h.name.clone(),
                },
                HolidayKind::Religious => DayKind::ReligiousDayOff {
                    name: h.name.clone(),
                },
            };
            special.insert(h.date, kind);
        }
        for (from, to) in &year.moves {
            if let Some(h) = year.holidays.iter().find(|h| h.date == *from) {
                special.insert(
                    *to,
                    DayKind::MovedHoliday {
                        holiday: *from,
                        name: h.name.clone(),
                    },
                );
            }
        }
        for t in &year.transfers {
            special.insert(
                t.day_off,
                DayKind::DecreeDayOff {
                    working_day: t.working_day,
                    decree: decree.clone(),
                },
            );
            special.insert(
                t.working_day,
                DayKind::DecreeWorkingDay {
                    day_off: t.day_off,
                    decree: decree.clone(),
                },
            );
        }
        Indexed { year, special }
    }
}

impl Calendar {
    /// The calendar compiled into the binary (`assets/calendars/kz-*.toml`), validated once.
    pub fn embedded() -> Result<&'static Calendar, CalendarError> {
        static EMBEDDED_CALENDAR: OnceLock<Result<Calendar, CalendarError>> = OnceLock::new();
        EMBEDDED_CALENDAR
            .get_or_init(|| Calendar::from_files(EMBEDDED.iter().copied()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A calendar from year files given as `(file name, text)`; each is validated (see
    /// `assets/calendars/README.md`) and the first bad one is the error.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Calendar, CalendarError> {
        let mut years = BTreeMap::new();
        for (name, text) in files {
            let year = Year::parse(name, text)?;
            if years.contains_key(&year.year) {
                return Err(CalendarError::Data {
                    file: name.to_owned(),
                    line: 1,
                    reason: format!("year {} is given by two files", year.year),
                });
            }
            years.insert(year.year, Indexed::new(year));
        }
        Ok(Calendar { years })
    }

    /// The first and last years covered.
    pub fn covered(&self) -> Option<(i32, i32)> {
        Some((*self.years.keys().next()?, *self.years.keys().next_back()?))
    }

    fn year(&self, year: i32) -> Result<&Indexed, CalendarError> {
        self.years.get(&year).ok_or_else(|| {
            let (first, last) = self.covered().unwrap_or((0, 0));
            CalendarError::YearNotCovered { year, first, last }
        })
    }

    /// The holidays and religious days off of a year, in date order.
    pub fn holidays(&self, year: i32) -> Result<&[Holiday], CalendarError> {
        Ok(&self.year(year)?.year.holidays)
    }

    /// The Government decree on transferred days of a year, when one is known.
    pub fn decree(&self, year: i32) -> Result<Option<&str>, CalendarError> {
        Ok(self.year(year)?.year.decree.as_deref())
    }

    /// A day, with the reason it is or is not a working day.
    pub fn day(&self, date: Date) -> Result<Day, CalendarError> {
        let indexed = self.year(date.year())?;
        let kind = match indexed.special.get(&date) {
            Some(kind) => kind.clone(),
            None if is_weekend(date) => DayKind::Weekend,
            None => DayKind::Workday,
        };
        let working = matches!(kind, DayKind::Workday | DayKind::DecreeWorkingDay { .. });
        Ok(Day {
            date,
            working,
            kind,
        })
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        Ok(self.day(date)?.working)
    }

    /// The `n`-th working day after `date` (`date` itself never counts; `n = 0` gives
    /// `date` back). This is the last day of a term of `n` working days that starts with an
    /// event on `date`.
    pub fn add_working_days(&self, date: Date, n: u32) -> Result<Date, CalendarError> {
        self.year(date.year())?;
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = self.next_day(day)?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: Date) -> Result<Date, CalendarError> {
        self.add_working_days(date, 1)
    }

    /// The number of working days `d` with `from < d <= to` — the working days that have
    /// run from an event on `from` to the end of `to`. Negative (the same count, negated)
    /// when `to` is before `from`; 0 when they are equal.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<i64, CalendarError> {
        if to < from {
            return Ok(-self.working_days_between(to, from)?);
        }
        let mut count = 0;
        for day in self.days_in(from, to)? {
            if day.working {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Every day `d` with `after < d <= through`, explained.
    pub fn days_in(&self, after: Date, through: Date) -> Result<Vec<Day>, CalendarError> {
        self.year(after.year())?;
        self.year(through.year())?;
        let mut days = Vec::new();
        let mut day = after;
        while day < through {
            day = self.next_day(day)?;
            days.push(self.day(day)?);
        }
        Ok(days)
    }

    fn next_day(&self, date: Date) -> Result<Date, CalendarError> {
        date.next_day().ok_or_else(|| {
            let (first, last) = self.covered().unwrap_or((0, 0));
            CalendarError::YearNotCovered {
                year: date.year().saturating_add(1),
                first,
                last,
            }
        })
    }
}
