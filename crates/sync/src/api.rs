//! The HTTP API's paths and JSON bodies.

use serde::{Deserialize, Serialize};
use tekseru_ledger::{DeviceId, PublicKey, SignedEvent, VersionVector};

/// `POST`: redeem an enrolment token ([`EnrolRequest`] → [`EnrolResponse`]).
pub const ENROL: &str = "/v1/enrol";
/// `GET`: the inspections this device may sync ([`InspectionList`]).
pub const INSPECTIONS: &str = "/v1/inspections";

/// `GET /v1/inspections/{id}/vector`: HQ's version vector of an inspection ([`VectorResponse`]).
pub fn vector_path(inspection: &str) -> String {
    format!("/v1/inspections/{inspection}/vector")
}

/// `POST /v1/inspections/{id}/events`: push events ([`PushRequest`] → [`PushResponse`]).
pub fn events_path(inspection: &str) -> String {
    format!("/v1/inspections/{inspection}/events")
}

/// `POST /v1/inspections/{id}/pull`: what HQ holds beyond a vector ([`PullRequest`] →
/// [`PullResponse`]).
pub fn pull_path(inspection: &str) -> String {
    format!("/v1/inspections/{inspection}/pull")
}

/// `HEAD`, `GET` and `PUT /v1/inspections/{id}/blobs/{sha256}`: an evidence blob.
///
/// - `HEAD`: 200 with `Content-Length` when HQ holds it; 404 with [`UPLOAD_OFFSET`] (the bytes
///   HQ holds of a partial upload, 0 when none) when it does not.
/// - `PUT ?offset=N&total=T` (see [`blob_part_path`]): appends the body at `N`; when the
///   bytes reach `T`, HQ re-hashes them and commits the blob under its hash ([`PartResponse`]).
/// - `GET`: the blob's bytes.
pub fn blob_path(inspection: &str, sha256: &str) -> String {
    format!("/v1/inspections/{inspection}/blobs/{sha256}")
}

/// `PUT` of one part of a blob at `offset`, of a blob of `total` bytes.
pub fn blob_part_path(inspection: &str, sha256: &str, offset: u64, total: u64) -> String {
    format!("/v1/inspections/{inspection}/blobs/{sha256}?offset={offset}&total={total}")
}

/// The response header of `HEAD` on a blob HQ does not hold: how many bytes of it HQ holds.
pub const UPLOAD_OFFSET: &str = "upload-offset";

/// The largest part of a blob HQ accepts in one `PUT`.
pub const MAX_PART_BYTES: usize = 16 * 1024 * 1024;
/// The largest JSON body HQ accepts (a push of events, a pull request).
pub const MAX_JSON_BYTES: usize = 64 * 1024 * 1024;

/// Whether `id` may name an inspection in a path: 1 to 128 of `A-Z a-z 0-9 - _`.
pub fn valid_inspection_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `sha256` is 64 lowercase hexadecimal characters.
pub fn valid_sha256(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A device as it travels with events: its key and the inspector it is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCard {
    /// Its public key.
    pub public_key: PublicKey,
    /// The inspector's name.
    pub inspector_name: String,
    /// The inspector's IIN.
    pub inspector_iin: String,
}

/// The body of [`ENROL`], signed (as every request) by the key it registers: HQ verifies the
/// signature under `public_key`, so only the key's holder can enrol it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time token `hq token` printed.
    pub token: String,
    /// The device's public key.
    pub public_key: PublicKey,
    /// The inspector's name, as the laptop's store knows it.
    pub inspector_name: String,
}

/// The answer to an enrolment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device enrolled.
    pub device: DeviceId,
    /// The inspector HQ bound it to (from the token).
    pub inspector_iin: String,
}

/// The inspections a device may sync: those whose roster holds its inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionList {
    /// Their ids, sorted.
    pub inspections: Vec<String>,
}

/// HQ's version vector of one inspection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorResponse {
    /// Per device, the highest seq HQ holds.
    pub vector: VersionVector,
}

/// A push: events in an order that respects `prev` and `parents`, and the cards of every
/// device they name that HQ may not know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The device cards.
    #[serde(default)]
    pub devices: Vec<DeviceCard>,
    /// The events.
    pub events: Vec<SignedEvent>,
}

/// The answer to a push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Events HQ did not hold.
    pub new_events: usize,
    /// Events it already held, byte for byte (a no-op).
    pub known_events: usize,
}

/// A pull: what the device holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// Per device, the highest seq the laptop holds.
    pub have: VersionVector,
}

/// What HQ holds beyond the pull's vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// The events, each device's chain in seq order, devices in the order HQ received them.
    pub events: Vec<SignedEvent>,
    /// The cards of the devices that made them.
    pub devices: Vec<DeviceCard>,
    /// HQ's whole vector.
    pub vector: VersionVector,
}

/// The answer to a blob part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartResponse {
    /// The bytes HQ now holds.
    pub offset: u64,
    /// Whether the blob is complete and committed under its hash.
    pub complete: bool,
}

/// Why HQ refused a request: the `error` of every refusal's JSON body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: a signature header is missing.
    Unsigned,
    /// 400: a signature header does not read.
    MalformedSignature,
    /// 400: the body is not the one `Content-Digest` names.
    DigestMismatch,
    /// 401: the signature does not verify.
    BadSignature,
    /// 401: `created` is more than five minutes from HQ's clock.
    StaleTimestamp,
    /// 401: the nonce was used already.
    ReplayedNonce,
    /// 401: HQ does not know the device.
    UnknownDevice,
    /// 403: the device was revoked.
    RevokedDevice,
    /// 401: the enrolment token is unknown, used or expired.
    BadToken,
    /// 409: the key is already enrolled.
    AlreadyEnrolled,
    /// 429: too many enrolment attempts.
    RateLimited,
    /// 403: the inspection's roster does not hold the device's inspector.
    NotOnRoster,
    /// 404: HQ does not hold the inspection (and the push carries no creation event).
    UnknownInspection,
    /// 409: a different event in a (device, seq) slot HQ already holds.
    Fork,
    /// 422: an event does not verify, or does not follow its chain.
    BadEvent,
    /// 409: a blob part at an offset other than the bytes HQ holds.
    WrongOffset,
    /// 422: the blob's bytes do not hash to its name.
    HashMismatch,
    /// 400: the request does not read.
    BadRequest,
    /// 404: no such blob or path.
    NotFound,
    /// 413: the body is larger than the route allows.
    TooLarge,
    /// 500: HQ failed.
    Internal,
}

/// The JSON body of every refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What kind of refusal.
    pub error: ErrorCode,
    /// What exactly was wrong, for a person.
    pub reason: String,
}
