//! Bundles and the store: what `tekseru bundle` and the app's Export / Import share. The
//! bundle crate knows nothing of the store; these two functions carry one's values into the
//! other's.

use tekseru_ledger::VersionVector;
use tekseru_store::Store;

use crate::error::Result;

/// What a bundle of inspection `id` holds for a colleague who has `since` already: the
/// events and evidence they lack, the cards of the devices that made them, and this store's
/// device as the exporter.
///
/// # Errors
/// When the store cannot be read.
pub fn bundle_contents(
    store: &Store,
    id: &str,
    since: &VersionVector,
) -> Result<tekseru_bundle::Contents> {
    let vector = store.version_vector(id)?;
    let outgoing = store.outgoing(id, since)?;
    Ok(tekseru_bundle::Contents {
        inspection: outgoing.inspection,
        exporter: card(&store.device()),
        vector,
        since: since.clone(),
        events: outgoing.events,
        devices: outgoing.devices.iter().map(card).collect(),
        blobs: outgoing
            .blobs
            .iter()
            .map(|b| tekseru_bundle::BlobRef {
                sha256: b.sha256.clone(),
                bytes: b.bytes,
            })
            .collect(),
    })
}

/// A verified bundle as the store imports it; its staged evidence stays where the bundle
/// reader put it (the store moves it in; what it leaves is deleted with `verified`).
pub fn incoming(verified: &tekseru_bundle::Verified) -> tekseru_store::Incoming {
    tekseru_store::Incoming {
        inspection: verified.manifest.inspection.clone(),
        events: verified.events.clone(),
        devices: verified
            .devices
            .iter()
            .map(|c| tekseru_store::DeviceCard {
                public_key: c.public_key,
                inspector_name: c.inspector_name.clone(),
                inspector_iin: c.inspector_iin.clone(),
            })
            .collect(),
        blobs: verified
            .blobs
            .iter()
            .map(|b| tekseru_store::StagedBlob {
                sha256: b.sha256.clone(),
                bytes: b.bytes,
                path: b.path.clone(),
            })
            .collect(),
    }
}

fn card(card: &tekseru_store::DeviceCard) -> tekseru_bundle::DeviceCard {
    tekseru_bundle::DeviceCard {
        public_key: card.public_key,
        inspector_name: card.inspector_name.clone(),
        inspector_iin: card.inspector_iin.clone(),
    }
}
