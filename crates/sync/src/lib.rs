//! The protocol between a laptop and HQ (`tekseru hq serve`).
//!
//! # Authentication
//! A laptop's store has a device key ([`tekseru_ledger::DeviceKey`]). `hq token --inspector IIN`
//! issues a one-time, expiring enrolment token; the laptop redeems it at [`api::ENROL`] with its
//! public key, in a request signed by that key. From then on every request carries the
//! [signature headers](sign) (device id, unix time, nonce, signature, content digest) and HQ
//! refuses, each with its own [`api::ErrorCode`] in a JSON [`api::ErrorBody`]:
//!
//! | refusal | status | `error` |
//! |---|---|---|
//! | a signature header missing | 401 | `unsigned` |
//! | a header that does not read | 400 | `malformed_signature` |
//! | the body is not the digest's | 400 | `digest_mismatch` |
//! | the signature does not verify | 401 | `bad_signature` |
//! | `created` more than 5 minutes off | 401 | `stale_timestamp` |
//! | a nonce used before | 401 | `replayed_nonce` |
//! | a device HQ does not know | 401 | `unknown_device` |
//! | a revoked device | 403 | `revoked_device` |
//! | an unknown, used or expired token | 401 | `bad_token` |
//! | too many enrolment attempts | 429 | `rate_limited` |
//! | an inspection whose roster lacks the device's inspector | 403 | `not_on_roster` |
//! | a different event in a (device, seq) slot HQ holds | 409 | `fork` |
//! | an event that does not verify or does not follow its chain | 422 | `bad_event` |
//! | a blob part at the wrong offset | 409 | `wrong_offset` |
//! | blob bytes that do not hash to the blob's name | 422 | `hash_mismatch` |
//! | a body over the route's limit | 413 | `too_large` |
//!
//! # API
//! All paths are under `/v1`; bodies are JSON unless said otherwise.
//!
//! | method and path | body → answer |
//! |---|---|
//! | `POST /v1/enrol` | [`api::EnrolRequest`] → [`api::EnrolResponse`] |
//! | `GET /v1/inspections` | → [`api::InspectionList`] |
//! | `GET /v1/inspections/{id}/vector` | → [`api::VectorResponse`] |
//! | `POST /v1/inspections/{id}/events` | [`api::PushRequest`] → [`api::PushResponse`] |
//! | `POST /v1/inspections/{id}/pull` | [`api::PullRequest`] → [`api::PullResponse`] |
//! | `HEAD /v1/inspections/{id}/blobs/{sha256}` | 200: held; 404 + `Upload-Offset`: bytes held of a partial upload |
//! | `PUT /v1/inspections/{id}/blobs/{sha256}?offset=N&total=T` | raw bytes (≤ 16 MiB) → [`api::PartResponse`] |
//! | `GET /v1/inspections/{id}/blobs/{sha256}` | → the blob's bytes |
//!
//! # Events
//! HQ keeps events as opaque [`tekseru_ledger::SignedEvent`]s keyed by (inspection, device,
//! seq), each verified under its device's key: an enrolled device's, or one of the
//! [`api::DeviceCard`]s that travel with a push. The same event again is a no-op; a different
//! event in a slot HQ holds is a fork (409, logged as an alarm). An inspection's roster is read
//! from its creation event (`body.change` or `body` with `"action": "created"`); a device may
//! push and pull only inspections whose roster holds its inspector's IIN.
//!
//! # Blobs
//! Evidence is content-addressed. `HEAD` says whether HQ holds a blob or how much of it; parts
//! are appended at that offset (a killed transfer resumes there, on the same or another `hq
//! serve`); when the last part arrives HQ re-hashes the whole and commits it under its hash,
//! create-if-absent, or refuses it and drops the partial bytes.
#![deny(missing_docs)]

pub mod api;
#[cfg(feature = "client")]
pub mod client;
pub mod sign;

pub use api::{DeviceCard, ErrorBody, ErrorCode};
pub use sign::{SignatureError, SignedHeaders};
