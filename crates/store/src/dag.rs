//! The DAG of signed events: every change is an event of this device's chain, linked to the
//! other devices' heads it had seen.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use tekseru_core::Iin;

use crate::device::{self, OwnDevice};
use crate::error::Result;
use crate::model::Inspector;
use crate::store::now;

/// The first open of a store made before devices existed: makes its device key (the
/// inspector's IIN from the store's inspector record when it has one, else empty until
/// [`crate::Store::set_inspector_iin`]) in one transaction.
pub(crate) fn upgrade(conn: &mut Connection, inspector: &Inspector) -> Result<OwnDevice> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have upgraded it meanwhile.
    if let Some(own) = device::load_own(&tx)? {
        return Ok(own);
    }
    let iin: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'inspector_iin'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let iin = iin.and_then(|i| Iin::parse_allowing_test(&i).ok());
    let own = device::create_own(&tx, &inspector.name, iin.as_ref(), &now())?;
    tx.commit()?;
    Ok(own)
}
