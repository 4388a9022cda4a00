//! This store's device and the devices it accepted: each is an Ed25519 key bound to an
//! inspector. The own device's secret is kept in the encrypted database only, and wiped from
//! memory when the store is closed.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tekseru_core::Iin;
use tekseru_ledger::{DeviceId, DeviceKey, PublicKey};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// A device as colleagues see it: its public key and the inspector it is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCard {
    /// The device's public key (`ed25519:…`).
    pub public_key: PublicKey,
    /// The inspector's name.
    pub inspector_name: String,
    /// The inspector's IIN; empty when unknown (a store made before devices existed,
    /// until it is set).
    pub inspector_iin: String,
}

impl DeviceCard {
    /// The device's id.
    pub fn id(&self) -> DeviceId {
        self.public_key.id()
    }

    /// The fingerprint a person compares before accepting the device.
    pub fn fingerprint(&self) -> String {
        self.public_key.fingerprint()
    }
}

/// This store's own device: its key and its card.
pub(crate) struct OwnDevice {
    pub(crate) key: DeviceKey,
    pub(crate) card: DeviceCard,
}

/// Checks an inspector's IIN as a device card holds it (empty: unknown).
pub(crate) fn check_iin(iin: &str) -> Result<()> {
    if iin.is_empty() {
        return Ok(());
    }
    Iin::parse_allowing_test(iin)
        .map(|_| ())
        .map_err(|e| StoreError::Invalid(format!("the inspector's IIN: {e}")))
}

/// Makes this store's device (a new key) for the inspector, inside the caller's transaction.
pub(crate) fn create_own(
    conn: &Connection,
    name: &str,
    iin: Option<&Iin>,
    at: &str,
) -> Result<OwnDevice> {
    let key = DeviceKey::generate()
        .map_err(|e| StoreError::Invalid(format!("cannot make the device's key: {e}")))?;
    let card = DeviceCard {
        public_key: key.public(),
        inspector_name: name.to_owned(),
        inspector_iin: iin.map(|i| i.to_string()).unwrap_or_default(),
    };
    let secret = key.secret();
    conn.execute(
        "INSERT INTO device (id, public_key, fingerprint, inspector_name, inspector_iin, \
         accepted_at, accepted_by, own, secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, 1, ?7)",
        params![
            card.id().as_str(),
            card.public_key.to_string(),
            card.fingerprint(),
            card.inspector_name,
            card.inspector_iin,
            at,
            secret.as_slice()
        ],
    )?;
    Ok(OwnDevice { key, card })
}

/// This store's device, if it has one yet.
pub(crate) fn load_own(conn: &Connection) -> Result<Option<OwnDevice>> {
    let row: Option<(String, String, String, Vec<u8>)> = conn
        .query_row(
            "SELECT public_key, inspector_name, inspector_iin, secret FROM device WHERE own = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((public, name, iin, secret)) = row else {
        return Ok(None);
    };
    let secret = Zeroizing::new(secret);
    let key = DeviceKey::from_secret(&secret)
        .map_err(|e| StoreError::Corrupt(format!("this store's device key: {e}")))?;
    let public: PublicKey = public
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("this store's device: {e}")))?;
    if public != key.public() {
        return Err(StoreError::Corrupt(
            "this store's device key does not match its public key".into(),
        ));
    }
    Ok(Some(OwnDevice {
        key,
        card: DeviceCard {
            public_key: public,
            inspector_name: name,
            inspector_iin: iin,
        },
    }))
}

/// A known device's card, by id.
pub(crate) fn card(conn: &Connection, id: &str) -> Result<Option<DeviceCard>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT public_key, inspector_name, inspector_iin FROM device WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(public, name, iin)| {
        Ok(DeviceCard {
            public_key: public
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("device {id}: {e}")))?,
            inspector_name: name,
            inspector_iin: iin,
        })
    })
    .transpose()
}

/// Records a device a person accepted.
pub(crate) fn accept(conn: &Connection, card: &DeviceCard, at: &str, by: &str) -> Result<()> {
    check_iin(&card.inspector_iin)?;
    conn.execute(
        "INSERT INTO device (id, public_key, fingerprint, inspector_name, inspector_iin, \
         accepted_at, accepted_by, own) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
        params![
            card.id().as_str(),
            card.public_key.to_string(),
            card.fingerprint(),
            card.inspector_name,
            card.inspector_iin,
            at,
            by
        ],
    )?;
    Ok(())
}
