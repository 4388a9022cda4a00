/*!
Kazakhstan's working-day calendar as data, and the deadlines of the 224/НҚ procedures.

# Brief overview

A [`Calendar`] is built from one data file per year (`assets/calendars/kz-YYYY.toml`,
compiled in; schema in `assets/calendars/README.md`): the public holidays, the religious days
off that never move, the move of a weekend holiday's day off to the next working day, and
the Government's decree on transferred days. A date in a year without data is an error,
never a guess.

Terms are counted as Kazakh law counts them: from the day after the event.
[`Calendar::add_working_days`] gives the last day of a term, [`Calendar::working_days_between`]
counts working days in `(from, to]`.

A [`timeline`] turns the recorded events of an accreditation or a revocation procedure into
due dates, working days left and late steps, each explained with the words of 224/НҚ.

# Example

```
use tekseru_calendar::Calendar;
use time::macros::date;

let cal = Calendar::embedded().unwrap();
// Friday 7 March 2025; 8 March (Saturday) moves to Monday 10 March.
assert_eq!(cal.add_working_days(date!(2025-03-07), 2).unwrap(), date!(2025-03-12));
assert_eq!(cal.working_days_between(date!(2025-03-07), date!(2025-03-12)).unwrap(), 2);
assert_eq!(
    cal.day(date!(2025-03-10)).unwrap().explain(),
    "2025-03-10 (Monday) is a day off: International Women's Day of Saturday 2025-03-08 \
     moved to the next working day (Law «On holidays» art. 5)"
);
```
*/
#![deny(missing_docs)]

mod calendar;
mod error;
mod procedure;
pub mod timeline;
mod year;

pub use crate::{
    calendar::{Calendar, Day, DayKind},
    error::CalendarError,
    procedure::{Anchor, Deadline, LegalBasis, Procedure, Procedures, Step},
    year::{Holiday, HolidayKind, Names},
};
