//! HQ over HTTPS on 127.0.0.1, as laptops see it: every scenario runs on SQLite and on a real
//! PostgreSQL; the blob scenarios also on a real S3-compatible server.

#![allow(clippy::unwrap_used)] // Tests may panic on what they set up themselves.

mod common;

use common::{answered, created, Chain, Db, Hq, Store, ALMA, BEKZAT, OUTSIDER};
use reqwest::Method;
use tekseru_ledger::{DeviceKey, VersionVector};
use tekseru_sync::api::{self, PushRequest};
use tekseru_sync::client::{BlobState, Client, ClientError};
use tekseru_sync::sign;
use tekseru_sync::{DeviceCard, ErrorCode};

/// Runs a scenario on each named backend; a missing backend skips (loudly, in the harness).
macro_rules! on {
    ($scenario:ident: $($variant:ident = ($db:expr, $store:expr)),+) => {
        mod $scenario {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $variant() {
                    if let Some(hq) = super::Hq::start($db, $store).await {
                        super::$scenario(hq).await;
                    }
                }
            )+
        }
    };
}

macro_rules! on_both_databases {
    ($($scenario:ident),+) => {
        $(on!($scenario: sqlite = (super::Db::Sqlite, super::Store::Local),
                         postgres = (super::Db::Postgres, super::Store::Local));)+
    };
}

macro_rules! on_every_store {
    ($($scenario:ident),+) => {
        $(on!($scenario: sqlite_local = (super::Db::Sqlite, super::Store::Local),
                         postgres_local = (super::Db::Postgres, super::Store::Local),
                         sqlite_s3 = (super::Db::Sqlite, super::Store::S3),
                         postgres_s3 = (super::Db::Postgres, super::Store::S3));)+
    };
}

on_both_databases!(
    enrolment_is_one_time,
    enrolment_is_rate_limited,
    unsigned_replayed_stale_forged_and_revoked_requests_are_refused,
    nonces_are_shared_between_servers,
    only_the_roster_may_push_and_pull,
    events_push_and_pull_idempotently,
    a_different_event_in_a_held_slot_is_a_fork,
    broken_chains_and_forged_events_are_refused
);
on_every_store!(
    a_blob_upload_resumes_after_the_client_breaks_off,
    a_blob_upload_resumes_after_the_server_stops,
    a_blob_whose_bytes_do_not_match_is_refused,
    blob_parts_have_a_limit_and_an_order
);

/// The refusal a call ended with.
fn refused<T: std::fmt::Debug>(outcome: Result<T, ClientError>) -> (u16, ErrorCode) {
    match outcome {
        Err(ClientError::Refused { status, body }) => (status, body.error),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn raw_refusal(response: reqwest::Response) -> (u16, ErrorCode) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    let body: tekseru_sync::ErrorBody = serde_json::from_slice(&bytes).expect("a JSON error body");
    (status, body.error)
}

fn key_copy(client: &Client) -> DeviceKey {
    DeviceKey::from_secret(client.key().secret().as_slice()).expect("the same key")
}

fn card(key: &DeviceKey, iin: &str) -> DeviceCard {
    DeviceCard {
        public_key: key.public(),
        inspector_name: "Member".into(),
        inspector_iin: iin.into(),
    }
}

async fn enrolment_is_one_time(hq: Hq) {
    let token = hq.token(ALMA).await;
    let laptop = hq.client(DeviceKey::generate().unwrap());
    let enrolled = laptop.enrol(&token, "Alma").await.unwrap();
    assert_eq!(enrolled.device, laptop.key().id());
    assert_eq!(enrolled.inspector_iin, ALMA);
    assert_eq!(laptop.seen_fingerprint().as_deref(), Some(hq.pin.as_str()));
    // The token is spent: a second device cannot use it.
    let other = hq.client(DeviceKey::generate().unwrap());
    assert_eq!(
        refused(other.enrol(&token, "Mallory").await),
        (401, ErrorCode::BadToken)
    );
    // The same device cannot enrol twice, and that does not spend a token.
    let fresh = hq.token(ALMA).await;
    assert_eq!(
        refused(laptop.enrol(&fresh, "Alma").await),
        (409, ErrorCode::AlreadyEnrolled)
    );
    other.enrol(&fresh, "Bekzat").await.unwrap();
    // An expired token.
    let db = hq.database().await;
    let now = tekseru_hq::system_clock()();
    let old = tekseru_hq::issue_token(&db, BEKZAT, 60, now - 3600)
        .await
        .unwrap();
    let third = hq.client(DeviceKey::generate().unwrap());
    assert_eq!(
        refused(third.enrol(&old.token, "Bekzat").await),
        (401, ErrorCode::BadToken)
    );
    // A wrong pin does not even connect.
    let pinned = Client::new(
        &hq.url,
        Some(&"00".repeat(32)),
        DeviceKey::generate().unwrap(),
    )
    .unwrap();
    let err = pinned
        .enrol(&hq.token(ALMA).await, "Alma")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Http { .. }), "{err}");
    let enrolled = hq.logged("enrolled");
    assert_eq!(enrolled.len(), 2);
    assert_eq!(enrolled[0]["inspector_iin"], ALMA);
    let devices = tekseru_hq::list_devices(&db).await.unwrap();
    assert_eq!(devices.len(), 2);
    hq.stop().await;
}

async fn enrolment_is_rate_limited(hq: Hq) {
    let laptop = hq.client(DeviceKey::generate().unwrap());
    for _ in 0..10 {
        assert_eq!(
            refused(laptop.enrol("guessed", "Mallory").await),
            (401, ErrorCode::BadToken)
        );
    }
    assert_eq!(
        refused(laptop.enrol("guessed", "Mallory").await),
        (429, ErrorCode::RateLimited)
    );
    // Even a good token waits out the minute.
    assert_eq!(
        refused(laptop.enrol(&hq.token(ALMA).await, "Alma").await),
        (429, ErrorCode::RateLimited)
    );
    hq.stop().await;
}

async fn unsigned_replayed_stale_forged_and_revoked_requests_are_refused(hq: Hq) {
    let laptop = hq.enrolled(ALMA, "Alma").await;
    let key = key_copy(&laptop);
    let path = api::INSPECTIONS;
    // Unsigned.
    let response = laptop
        .send_raw(Method::GET, path, Vec::new(), None)
        .await
        .unwrap();
    assert_eq!(raw_refusal(response).await, (401, ErrorCode::Unsigned));
    // Signed once, sent twice.
    let headers = sign::sign(&key, "GET", path, b"").unwrap();
    let first = laptop
        .send_raw(Method::GET, path, Vec::new(), Some(&headers))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let again = laptop
        .send_raw(Method::GET, path, Vec::new(), Some(&headers))
        .await
        .unwrap();
    assert_eq!(raw_refusal(again).await, (401, ErrorCode::ReplayedNonce));
    // Signed ten minutes ago, or ten minutes ahead.
    let now = tekseru_hq::system_clock()();
    for created in [now - 600, now + 600] {
        let stale = sign::sign_with(&key, "GET", path, b"", created, sign::new_nonce().unwrap());
        let response = laptop
            .send_raw(Method::GET, path, Vec::new(), Some(&stale))
            .await
            .unwrap();
        assert_eq!(
            raw_refusal(response).await,
            (401, ErrorCode::StaleTimestamp)
        );
    }
    // Signed for another path, or by another key under this device's name.
    let other_path = sign::sign(&key, "GET", "/v1/enrol", b"").unwrap();
    let response = laptop
        .send_raw(Method::GET, path, Vec::new(), Some(&other_path))
        .await
        .unwrap();
    assert_eq!(raw_refusal(response).await, (401, ErrorCode::BadSignature));
    let mut forged = sign::sign(&DeviceKey::generate().unwrap(), "GET", path, b"").unwrap();
    forged.device = key.id();
    let response = laptop
        .send_raw(Method::GET, path, Vec::new(), Some(&forged))
        .await
        .unwrap();
    assert_eq!(raw_refusal(response).await, (401, ErrorCode::BadSignature));
    // A body changed on the way.
    let headers = sign::sign(&key, "POST", "/v1/inspections/x/pull", b"{}").unwrap();
    let response = laptop
        .send_raw(
            Method::POST,
            "/v1/inspections/x/pull",
            b"{ }".to_vec(),
            Some(&headers),
        )
        .await
        .unwrap();
    assert_eq!(
        raw_refusal(response).await,
        (400, ErrorCode::DigestMismatch)
    );
    // A device HQ never enrolled.
    let stranger = hq.client(DeviceKey::generate().unwrap());
    assert_eq!(
        refused(stranger.inspections().await),
        (401, ErrorCode::UnknownDevice)
    );
    // Revoked.
    laptop.inspections().await.unwrap();
    let now = tekseru_hq::system_clock()();
    tekseru_hq::revoke_device(&hq.database().await, key.id().as_str(), now)
        .await
        .unwrap();
    assert_eq!(
        refused(laptop.inspections().await),
        (403, ErrorCode::RevokedDevice)
    );
    assert!(
        tekseru_hq::revoke_device(&hq.database().await, key.id().as_str(), now)
            .await
            .is_err()
    );
    let refusals = hq.logged("refused");
    assert!(refusals.len() >= 9, "{refusals:?}");
    assert!(refusals
        .iter()
        .any(|r| r["error"] == "revoked_device" && r["device"] == key.id().as_str()));
    hq.stop().await;
}

async fn nonces_are_shared_between_servers(hq: Hq) {
    let laptop = hq.enrolled(ALMA, "Alma").await;
    let key = key_copy(&laptop);
    let twin = hq.twin().await;
    let other = Client::new(
        &format!("https://127.0.0.1:{}", twin.addr.port()),
        Some(&hq.pin),
        key_copy(&laptop),
    )
    .unwrap();
    let headers = sign::sign(&key, "GET", api::INSPECTIONS, b"").unwrap();
    let first = laptop
        .send_raw(Method::GET, api::INSPECTIONS, Vec::new(), Some(&headers))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let replay = other
        .send_raw(Method::GET, api::INSPECTIONS, Vec::new(), Some(&headers))
        .await
        .unwrap();
    assert_eq!(raw_refusal(replay).await, (401, ErrorCode::ReplayedNonce));
    twin.stop().await;
    hq.stop().await;
}

async fn only_the_roster_may_push_and_pull(hq: Hq) {
    let alma = hq.enrolled(ALMA, "Alma").await;
    let bekzat = hq.enrolled(BEKZAT, "Bekzat").await;
    let outsider = hq.enrolled(OUTSIDER, "Outsider").await;
    let mut chain = Chain::new(key_copy(&alma), "insp-1");
    chain.add(created(&[ALMA, BEKZAT]), vec![]);
    chain.add(answered("12.1", "complies"), vec![]);
    // Before the creation event reaches HQ, nobody may read the inspection.
    assert_eq!(
        refused(bekzat.vector("insp-1").await),
        (404, ErrorCode::UnknownInspection)
    );
    let push = PushRequest {
        devices: vec![],
        events: chain.events[1..].to_vec(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (404, ErrorCode::UnknownInspection)
    );
    let push = PushRequest {
        devices: vec![],
        events: chain.events.clone(),
    };
    let pushed = alma.push("insp-1", &push).await.unwrap();
    assert_eq!(pushed.new_events, 2);
    // Bekzat is on the roster: he reads it and may add to it.
    let pulled = bekzat.pull("insp-1", &VersionVector::new()).await.unwrap();
    assert_eq!(pulled.events, chain.events);
    assert_eq!(pulled.devices.len(), 1);
    assert_eq!(pulled.devices[0].public_key, alma.key().public());
    assert_eq!(
        bekzat.inspections().await.unwrap(),
        vec!["insp-1".to_owned()]
    );
    // The outsider is not.
    let mut own = Chain::new(key_copy(&outsider), "insp-1");
    own.add(answered("12.2", "fails"), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: own.events.clone(),
    };
    assert_eq!(
        refused(outsider.push("insp-1", &push).await),
        (403, ErrorCode::NotOnRoster)
    );
    assert_eq!(
        refused(outsider.pull("insp-1", &VersionVector::new()).await),
        (403, ErrorCode::NotOnRoster)
    );
    assert_eq!(
        refused(outsider.vector("insp-1").await),
        (403, ErrorCode::NotOnRoster)
    );
    assert!(outsider.inspections().await.unwrap().is_empty());
    // Nor may a device create an inspection whose roster lacks its inspector.
    let mut other = Chain::new(key_copy(&outsider), "insp-2");
    other.add(created(&[ALMA]), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: other.events.clone(),
    };
    assert_eq!(
        refused(outsider.push("insp-2", &push).await),
        (403, ErrorCode::NotOnRoster)
    );
    assert_eq!(
        refused(alma.vector("insp-2").await),
        (404, ErrorCode::UnknownInspection)
    );
    hq.stop().await;
}

async fn events_push_and_pull_idempotently(hq: Hq) {
    let alma = hq.enrolled(ALMA, "Alma").await;
    let bekzat = hq.enrolled(BEKZAT, "Bekzat").await;
    let mut a = Chain::new(key_copy(&alma), "insp-1");
    a.add(created(&[ALMA, BEKZAT]), vec![]);
    a.add(answered("1", "complies"), vec![]);
    a.add(answered("2", "complies"), vec![]);
    let push = PushRequest {
        devices: vec![card(alma.key(), ALMA)],
        events: a.events.clone(),
    };
    let first = alma.push("insp-1", &push).await.unwrap();
    assert_eq!((first.new_events, first.known_events), (3, 0));
    let again = alma.push("insp-1", &push).await.unwrap();
    assert_eq!((again.new_events, again.known_events), (0, 3));
    // Bekzat pulls, answers on top of Alma's head, pushes.
    let pulled = bekzat.pull("insp-1", &VersionVector::new()).await.unwrap();
    assert_eq!(pulled.events.len(), 3);
    let head = a.events[2].event.hash().unwrap();
    let mut b = Chain::new(key_copy(&bekzat), "insp-1");
    b.add(answered("3", "fails"), vec![head]);
    let push_b = PushRequest {
        devices: vec![],
        events: b.events.clone(),
    };
    assert_eq!(bekzat.push("insp-1", &push_b).await.unwrap().new_events, 1);
    // Alma holds her own three: she gets only Bekzat's event, with his card.
    let mut have = VersionVector::new();
    have.observe(&alma.key().id(), 3);
    let pulled = alma.pull("insp-1", &have).await.unwrap();
    assert_eq!(pulled.events, b.events);
    assert_eq!(
        pulled.devices,
        vec![card(bekzat.key(), BEKZAT)]
            .into_iter()
            .map(|c| DeviceCard {
                inspector_name: "Bekzat".into(),
                ..c
            })
            .collect::<Vec<_>>()
    );
    let mut expected = have.clone();
    expected.observe(&bekzat.key().id(), 1);
    assert_eq!(pulled.vector, expected);
    assert_eq!(alma.vector("insp-1").await.unwrap(), expected);
    // Alma relays Bekzat's event back: a no-op.
    let relay = PushRequest {
        devices: pulled.devices.clone(),
        events: pulled.events.clone(),
    };
    let relayed = alma.push("insp-1", &relay).await.unwrap();
    assert_eq!((relayed.new_events, relayed.known_events), (0, 1));
    // Nothing more to pull.
    assert!(alma
        .pull("insp-1", &expected)
        .await
        .unwrap()
        .events
        .is_empty());
    hq.stop().await;
}

async fn a_different_event_in_a_held_slot_is_a_fork(hq: Hq) {
    let alma = hq.enrolled(ALMA, "Alma").await;
    let mut a = Chain::new(key_copy(&alma), "insp-1");
    a.add(created(&[ALMA]), vec![]);
    a.add(answered("1", "complies"), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: a.events.clone(),
    };
    alma.push("insp-1", &push).await.unwrap();
    // The same device signs another event #2 (a restored backup, a cloned disk).
    let mut twin = Chain::new(key_copy(&alma), "insp-1");
    twin.events.push(a.events[0].clone());
    twin.add(answered("1", "fails"), vec![]);
    twin.add(answered("2", "fails"), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: twin.events.clone(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (409, ErrorCode::Fork)
    );
    // Nothing of the refused push was kept.
    let vector = alma.vector("insp-1").await.unwrap();
    assert_eq!(vector.get(&alma.key().id()), 2);
    let pulled = alma.pull("insp-1", &VersionVector::new()).await.unwrap();
    assert_eq!(pulled.events, a.events);
    let alarms = hq.logged("fork");
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0]["seq"], 2);
    assert_eq!(alarms[0]["device"], alma.key().id().as_str());
    hq.stop().await;
}

async fn broken_chains_and_forged_events_are_refused(hq: Hq) {
    let alma = hq.enrolled(ALMA, "Alma").await;
    let mut a = Chain::new(key_copy(&alma), "insp-1");
    a.add(created(&[ALMA]), vec![]);
    a.add(answered("1", "complies"), vec![]);
    a.add(answered("2", "complies"), vec![]);
    let first = PushRequest {
        devices: vec![],
        events: a.events[..1].to_vec(),
    };
    alma.push("insp-1", &first).await.unwrap();
    // A gap: #3 without #2.
    let gap = PushRequest {
        devices: vec![],
        events: a.events[2..].to_vec(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &gap).await),
        (422, ErrorCode::BadEvent)
    );
    // A body changed after signing.
    let mut forged = a.events[1].clone();
    forged.event.body = answered("1", "fails");
    let push = PushRequest {
        devices: vec![],
        events: vec![forged],
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (422, ErrorCode::BadEvent)
    );
    // An event of a device HQ has no card for.
    let stranger = DeviceKey::generate().unwrap();
    let mut s = Chain::new(stranger, "insp-1");
    s.add(answered("3", "fails"), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: s.events.clone(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (422, ErrorCode::BadEvent)
    );
    // An event naming a parent HQ does not hold.
    let unknown = "ab".repeat(32).parse().unwrap();
    let mut p = Chain::new(key_copy(&alma), "insp-1");
    p.events.push(a.events[0].clone());
    p.add(answered("1", "complies"), vec![unknown]);
    let push = PushRequest {
        devices: vec![],
        events: p.events[1..].to_vec(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (422, ErrorCode::BadEvent)
    );
    // An event of another inspection.
    let mut other = Chain::new(key_copy(&alma), "insp-9");
    other.add(created(&[ALMA]), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: other.events.clone(),
    };
    assert_eq!(
        refused(alma.push("insp-1", &push).await),
        (422, ErrorCode::BadEvent)
    );
    hq.stop().await;
}

/// Deterministic bytes (a fixed linear congruential sequence).
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2_011::Digest as _;
    hex::encode(sha2_011::Sha256::digest(bytes))
}

/// Alma and Bekzat on one inspection, created at HQ.
async fn commission(hq: &Hq) -> (Client, Client) {
    let alma = hq.enrolled(ALMA, "Alma").await;
    let bekzat = hq.enrolled(BEKZAT, "Bekzat").await;
    let mut a = Chain::new(key_copy(&alma), "insp-1");
    a.add(created(&[ALMA, BEKZAT]), vec![]);
    let push = PushRequest {
        devices: vec![],
        events: a.events,
    };
    alma.push("insp-1", &push).await.unwrap();
    (alma, bekzat)
}

async fn a_blob_upload_resumes_after_the_server_stops(mut hq: Hq) {
    let (alma, _) = commission(&hq).await;
    let part = tekseru_sync::client::PART_BYTES;
    let blob = bytes(2 * part + 12345, 7);
    let sha = sha256(&blob);
    let total = blob.len() as u64;
    assert_eq!(
        alma.blob_state("insp-1", &sha).await.unwrap(),
        BlobState::Partial(0)
    );
    // The first part arrives; then the server goes away mid-upload.
    let answer = alma
        .put_part("insp-1", &sha, 0, total, blob[..part].to_vec())
        .await
        .unwrap();
    assert_eq!((answer.offset, answer.complete), (part as u64, false));
    let key = key_copy(&alma);
    hq.restart().await;
    let alma = hq.client(key);
    assert_eq!(
        alma.blob_state("insp-1", &sha).await.unwrap(),
        BlobState::Partial(part as u64)
    );
    // The client resumes where HQ stopped.
    let mut seen = Vec::new();
    let sent = alma
        .upload("insp-1", &sha, total, std::io::Cursor::new(&blob), |n| {
            seen.push(n)
        })
        .await
        .unwrap();
    assert_eq!(sent, total - part as u64);
    assert_eq!(seen, vec![2 * part as u64, total]);
    assert_eq!(
        alma.blob_state("insp-1", &sha).await.unwrap(),
        BlobState::Present(total)
    );
    // It is never sent again, by anyone on the inspection.
    let bekzat = hq.enrolled(BEKZAT, "Bekzat").await;
    let again = bekzat
        .upload("insp-1", &sha, total, std::io::Cursor::new(&blob), |_| {})
        .await
        .unwrap();
    assert_eq!(again, 0);
    let mut back = Vec::new();
    assert_eq!(
        bekzat.download("insp-1", &sha, &mut back).await.unwrap(),
        total
    );
    assert!(back == blob, "the blob read back differs");
    hq.stop().await;
}

async fn a_blob_upload_resumes_after_the_client_breaks_off(hq: Hq) {
    let (alma, _) = commission(&hq).await;
    let blob = bytes(3 << 20, 11);
    let sha = sha256(&blob);
    let total = blob.len() as u64;
    let half = blob.len() / 2;
    alma.put_part("insp-1", &sha, 0, total, blob[..half].to_vec())
        .await
        .unwrap();
    // The second part is signed whole but the connection breaks after some of its bytes, as
    // when the laptop is killed or the network drops.
    let path = api::blob_part_path("insp-1", &sha, half as u64, total);
    let headers = sign::sign(alma.key(), "PUT", &path, &blob[half..]).unwrap();
    let sent: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(blob[half..half + 1000].to_vec()),
        Err(std::io::Error::other("the laptop was killed")),
    ];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(sent));
    let broken = alma
        .send_raw(Method::PUT, &path, body, Some(&headers))
        .await;
    assert!(broken.is_err() || !broken.unwrap().status().is_success());
    // HQ kept nothing of the broken part; the upload resumes where the whole parts end.
    assert_eq!(
        alma.blob_state("insp-1", &sha).await.unwrap(),
        BlobState::Partial(half as u64)
    );
    let resent = alma
        .upload("insp-1", &sha, total, std::io::Cursor::new(&blob), |_| {})
        .await
        .unwrap();
    assert_eq!(resent, total - half as u64);
    let mut back = Vec::new();
    alma.download("insp-1", &sha, &mut back).await.unwrap();
    assert!(back == blob, "the blob read back differs");
    hq.stop().await;
}

async fn a_blob_whose_bytes_do_not_match_is_refused(hq: Hq) {
    let (alma, bekzat) = commission(&hq).await;
    let blob = bytes(100_000, 1);
    let sha = sha256(&blob);
    let mut wrong = blob.clone();
    wrong[50_000] ^= 1;
    let outcome = alma
        .upload(
            "insp-1",
            &sha,
            wrong.len() as u64,
            std::io::Cursor::new(&wrong),
            |_| {},
        )
        .await;
    assert_eq!(refused(outcome), (422, ErrorCode::HashMismatch));
    // Nothing of it was kept: neither the blob nor the partial bytes.
    assert_eq!(
        alma.blob_state("insp-1", &sha).await.unwrap(),
        BlobState::Partial(0)
    );
    let mut back = Vec::new();
    assert_eq!(
        refused(bekzat.download("insp-1", &sha, &mut back).await),
        (404, ErrorCode::NotFound)
    );
    // The right bytes then go through.
    let sent = alma
        .upload(
            "insp-1",
            &sha,
            blob.len() as u64,
            std::io::Cursor::new(&blob),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(sent, blob.len() as u64);
    assert_eq!(
        hq.logged("refused")
            .iter()
            .filter(|r| r["error"] == "hash_mismatch")
            .count(),
        1
    );
    hq.stop().await;
}

async fn blob_parts_have_a_limit_and_an_order(hq: Hq) {
    let (alma, _) = commission(&hq).await;
    let blob = bytes(1000, 3);
    let sha = sha256(&blob);
    // A part that does not start where HQ's bytes end.
    assert_eq!(
        refused(
            alma.put_part("insp-1", &sha, 10, 1000, blob[10..20].to_vec())
                .await
        ),
        (409, ErrorCode::WrongOffset)
    );
    // A part past the blob's size.
    assert_eq!(
        refused(
            alma.put_part("insp-1", &sha, 0, 5, blob[..10].to_vec())
                .await
        ),
        (400, ErrorCode::BadRequest)
    );
    // A part over the route's limit.
    let big = vec![0u8; api::MAX_PART_BYTES + 1];
    let outcome = alma
        .put_part("insp-1", &"00".repeat(32), 0, big.len() as u64, big)
        .await;
    assert_eq!(refused(outcome), (413, ErrorCode::TooLarge));
    hq.stop().await;
}
