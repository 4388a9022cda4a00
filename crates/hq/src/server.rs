//! The HTTP API (see `tekseru_sync` for the paths and bodies): authentication of every
//! request by its device signature, authorisation by the inspection's roster, events and
//! blobs.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::StreamExt as _;
use serde::Serialize;
use serde_json::Value;
use sha2_011::{Digest, Sha256};
use tekseru_ledger::{DeviceId, PublicKey, SignedEvent, VersionVector};
use tekseru_sync::api::{
    self, EnrolRequest, EnrolResponse, InspectionList, PartResponse, PullRequest, PullResponse,
    PushRequest, PushResponse, VectorResponse,
};
use tekseru_sync::sign::{self, SignatureError, SignedHeaders};
use tekseru_sync::{DeviceCard, ErrorBody, ErrorCode};

use crate::blobs::{BlobError, Blobs};
use crate::storage::{CardRow, DeviceRow, NewEvent, Part, Storage, StorageError};
use crate::{Clock, Limits, LogSink};

/// The shared state of one `hq serve`.
pub(crate) struct App<S> {
    pub(crate) db: S,
    pub(crate) blobs: Blobs,
    pub(crate) clock: Clock,
    pub(crate) log: LogSink,
    pub(crate) limits: Limits,
    pub(crate) attempts: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

/// A refusal: its status, its code and its reason, sent as an [`ErrorBody`].
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    reason: String,
}

fn refuse(status: StatusCode, code: ErrorCode, reason: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        reason: reason.into(),
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> ApiError {
        match e {
            StorageError::Fork { .. } => {
                refuse(StatusCode::CONFLICT, ErrorCode::Fork, e.to_string())
            }
            StorageError::Chain { .. } => refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::BadEvent,
                e.to_string(),
            ),
            StorageError::Database(_) => refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                e.to_string(),
            ),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> ApiError {
        match e {
            BlobError::Mismatch { .. } => refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::HashMismatch,
                e.to_string(),
            ),
            _ => refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                e.to_string(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &ErrorBody {
                error: self.code,
                reason: self.reason,
            },
        )
    }
}

fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn ok<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, body))
}

/// The routes, over `app`.
pub(crate) fn router<S: Storage>(app: Arc<App<S>>) -> Router {
    Router::new()
        .route(api::ENROL, post(enrol::<S>))
        .route(api::INSPECTIONS, get(inspections::<S>))
        .route("/v1/inspections/{id}/vector", get(vector::<S>))
        .route("/v1/inspections/{id}/events", post(push::<S>))
        .route("/v1/inspections/{id}/pull", post(pull::<S>))
        .route(
            "/v1/inspections/{id}/blobs/{sha256}",
            get(blob_get::<S>).head(blob_head::<S>).put(blob_put::<S>),
        )
        .fallback(|| async {
            refuse(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such path").into_response()
        })
        .with_state(app)
}

impl<S: Storage> App<S> {
    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn log(&self, kind: &str, detail: Value) {
        (self.log)(kind, &detail);
    }

    /// Logs a refusal and turns the outcome into a response.
    fn finish(&self, parts: &Parts, outcome: Result<Response, ApiError>) -> Response {
        match outcome {
            Ok(r) => r,
            Err(e) => {
                let device = parts
                    .headers
                    .get(sign::DEVICE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                self.log(
                    "refused",
                    serde_json::json!({
                        "method": parts.method.as_str(),
                        "path": parts.uri.path(),
                        "device": device,
                        "status": e.status.as_u16(),
                        "error": e.code,
                        "reason": e.reason,
                    }),
                );
                e.into_response()
            }
        }
    }

    /// Checks the signature headers against `key`, the window and the nonce store.
    async fn check_signature(
        &self,
        parts: &Parts,
        body: &[u8],
        key: &PublicKey,
        headers: &SignedHeaders,
    ) -> Result<(), ApiError> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        headers
            .verify(key, parts.method.as_str(), path, body)
            .map_err(signature_refusal)?;
        let now = self.now();
        if !sign::within_window(headers.created, now) {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::StaleTimestamp,
                format!(
                    "the request was signed at {}, HQ's clock says {now}: more than {} seconds apart",
                    headers.created,
                    sign::WINDOW_SECONDS
                ),
            ));
        }
        let expires = headers
            .created
            .saturating_add(2 * sign::WINDOW_SECONDS)
            .max(now.saturating_add(sign::WINDOW_SECONDS));
        if !self
            .db
            .use_nonce(headers.device.as_str(), &headers.nonce, expires, now)
            .await?
        {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::ReplayedNonce,
                format!(
                    "nonce {} was used before by device {}",
                    headers.nonce, headers.device
                ),
            ));
        }
        Ok(())
    }

    /// Authenticates a request by an enrolled, unrevoked device.
    async fn authenticate(&self, parts: &Parts, body: &[u8]) -> Result<DeviceRow, ApiError> {
        let headers = read_headers(parts)?;
        let device = self
            .db
            .device(headers.device.as_str())
            .await?
            .ok_or_else(|| {
                refuse(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::UnknownDevice,
                    format!("device {} is not enrolled at HQ", headers.device),
                )
            })?;
        let key: PublicKey = device.public_key.parse().map_err(|e| {
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                format!("{e}"),
            )
        })?;
        self.check_signature(parts, body, &key, &headers).await?;
        if let Some(at) = device.revoked_at {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                ErrorCode::RevokedDevice,
                format!("device {} was revoked at {at}", device.id),
            ));
        }
        Ok(device)
    }

    /// Checks that the device's inspector is on the inspection's roster.
    async fn authorise(&self, device: &DeviceRow, inspection: &str) -> Result<(), ApiError> {
        check_inspection_id(inspection)?;
        let roster = self.db.roster(inspection).await?.ok_or_else(|| {
            refuse(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownInspection,
                format!("HQ does not hold inspection {inspection}"),
            )
        })?;
        on_roster(&roster, device, inspection)
    }

    fn rate_limited(&self, ip: IpAddr) -> bool {
        let now = self.now();
        let Ok(mut attempts) = self.attempts.lock() else {
            return true;
        };
        attempts.retain(|_, (start, _)| now.saturating_sub(*start) < 60);
        let entry = attempts.entry(ip).or_insert((now, 0));
        entry.1 = entry.1.saturating_add(1);
        entry.1 > self.limits.enrolments_per_minute
    }
}

fn on_roster(roster: &[String], device: &DeviceRow, inspection: &str) -> Result<(), ApiError> {
    if roster.contains(&device.inspector_iin) {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::FORBIDDEN,
            ErrorCode::NotOnRoster,
            format!(
                "the roster of inspection {inspection} does not hold inspector {} (device {})",
                device.inspector_iin, device.id
            ),
        ))
    }
}

fn check_inspection_id(id: &str) -> Result<(), ApiError> {
    if api::valid_inspection_id(id) {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "an inspection id is 1 to 128 letters, digits, '-' or '_'",
        ))
    }
}

fn check_sha256(sha256: &str) -> Result<(), ApiError> {
    if api::valid_sha256(sha256) {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "a blob is named by its SHA-256: 64 lowercase hexadecimal characters",
        ))
    }
}

fn signature_refusal(e: SignatureError) -> ApiError {
    let status_code = match &e {
        SignatureError::Missing(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unsigned),
        SignatureError::Malformed { .. } => {
            (StatusCode::BAD_REQUEST, ErrorCode::MalformedSignature)
        }
        SignatureError::DigestMismatch => (StatusCode::BAD_REQUEST, ErrorCode::DigestMismatch),
        SignatureError::BadSignature(_) => (StatusCode::UNAUTHORIZED, ErrorCode::BadSignature),
        SignatureError::Random(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
    };
    refuse(status_code.0, status_code.1, e.to_string())
}

fn read_headers(parts: &Parts) -> Result<SignedHeaders, ApiError> {
    SignedHeaders::from_headers(|name| parts.headers.get(name).and_then(|v| v.to_str().ok()))
        .map_err(signature_refusal)
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("the body is larger than this route's {limit} bytes, or broke off: {e}"),
        )
    })
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("the body does not read: {e}"),
        )
    })
}

/// The roster IINs of a creation event's body (`body.change` or `body`, `"action": "created"`,
/// `"roster"` a list of members or `{"members": […]}`).
pub(crate) fn creation_roster(body: &Value) -> Option<Vec<String>> {
    let change = body.get("change").unwrap_or(body);
    if change.get("action")?.as_str()? != "created" {
        return None;
    }
    // The store writes a roster as its list of members; `{"members": […]}` is read as well.
    let roster = change.get("roster")?;
    let members = roster.get("members").unwrap_or(roster).as_array()?;
    members
        .iter()
        .map(|m| m.get("iin").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

const ENROL_BODY_LIMIT: usize = 64 * 1024;

async fn enrol<S: Storage>(
    State(app): State<Arc<App<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        if app.rate_limited(peer.ip()) {
            return Err(refuse(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "more than {} enrolment attempts a minute from {}",
                    app.limits.enrolments_per_minute,
                    peer.ip()
                ),
            ));
        }
        let body = read_body(body, ENROL_BODY_LIMIT).await?;
        let headers = read_headers(&parts)?;
        let request: EnrolRequest = parse(&body)?;
        let id = request.public_key.id();
        if headers.device != id {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::BadSignature,
                format!(
                    "the request is signed as device {}, the key enrolled is {id}'s",
                    headers.device
                ),
            ));
        }
        app.check_signature(&parts, &body, &request.public_key, &headers)
            .await?;
        if app.db.device(id.as_str()).await?.is_some() {
            return Err(refuse(
                StatusCode::CONFLICT,
                ErrorCode::AlreadyEnrolled,
                format!("device {id} is enrolled already"),
            ));
        }
        let token_hash = hex::encode(Sha256::digest(request.token.as_bytes()));
        let now = app.now();
        let Some(iin) = app.db.redeem_token(&token_hash, id.as_str(), now).await? else {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                ErrorCode::BadToken,
                "the enrolment token is unknown, used already or expired",
            ));
        };
        let row = DeviceRow {
            id: id.to_string(),
            public_key: request.public_key.to_string(),
            inspector_iin: iin.clone(),
            inspector_name: request.inspector_name.clone(),
            enrolled_at: now,
            revoked_at: None,
        };
        if !app.db.enrol(&row).await? {
            return Err(refuse(
                StatusCode::CONFLICT,
                ErrorCode::AlreadyEnrolled,
                format!("device {id} is enrolled already"),
            ));
        }
        app.log(
            "enrolled",
            serde_json::json!({
                "device": id, "fingerprint": request.public_key.fingerprint(),
                "inspector_iin": iin, "inspector_name": request.inspector_name,
                "peer": peer.ip().to_string(),
            }),
        );
        ok(&EnrolResponse {
            device: id,
            inspector_iin: iin,
        })
    }
    .await;
    app.finish(&parts, outcome)
}

async fn inspections<S: Storage>(State(app): State<Arc<App<S>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, ENROL_BODY_LIMIT).await?;
        let device = app.authenticate(&parts, &body).await?;
        ok(&InspectionList {
            inspections: app.db.inspections_of(&device.inspector_iin).await?,
        })
    }
    .await;
    app.finish(&parts, outcome)
}

async fn vector<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, ENROL_BODY_LIMIT).await?;
        let device = app.authenticate(&parts, &body).await?;
        app.authorise(&device, &id).await?;
        ok(&VectorResponse {
            vector: app.db.vector(&id).await?,
        })
    }
    .await;
    app.finish(&parts, outcome)
}

fn bad_event(reason: String) -> ApiError {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::BadEvent,
        reason,
    )
}

async fn push<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, api::MAX_JSON_BYTES).await?;
        let device = app.authenticate(&parts, &body).await?;
        check_inspection_id(&id)?;
        let push: PushRequest = parse(&body)?;
        // The keys events verify under: cards in the push, then those HQ holds; the pushing
        // device's own from its enrolment.
        let mut keys: BTreeMap<DeviceId, PublicKey> = BTreeMap::new();
        let mut cards = Vec::new();
        for card in &push.devices {
            keys.insert(card.public_key.id(), card.public_key);
            cards.push(CardRow {
                device: card.public_key.id().to_string(),
                public_key: card.public_key.to_string(),
                inspector_name: card.inspector_name.clone(),
                inspector_iin: card.inspector_iin.clone(),
            });
        }
        let unknown: Vec<String> = push
            .events
            .iter()
            .map(|e| e.event.device.clone())
            .filter(|d| !keys.contains_key(d))
            .map(|d| d.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for card in app.db.cards(&unknown).await? {
            if let Ok(key) = card.public_key.parse::<PublicKey>() {
                keys.insert(key.id(), key);
            }
        }
        let mut events = Vec::with_capacity(push.events.len());
        let mut creation = None;
        for e in &push.events {
            let ev = &e.event;
            if ev.inspection != id {
                return Err(bad_event(format!(
                    "event {}#{} belongs to inspection {}, not {id}",
                    ev.device, ev.seq, ev.inspection
                )));
            }
            let key = keys.get(&ev.device).ok_or_else(|| {
                bad_event(format!(
                    "event {}#{}: HQ has no card for its device, and the push carries none",
                    ev.device, ev.seq
                ))
            })?;
            let hash = e.verify(key).map_err(|err| bad_event(err.to_string()))?;
            if creation.is_none() && ev.seq == 1 && ev.parents.is_empty() {
                if let Some(roster) = creation_roster(&ev.body) {
                    creation = Some((roster, hash.to_string()));
                }
            }
            let json = e
                .to_json()
                .map_err(|err| bad_event(err.to_string()))
                .and_then(|j| String::from_utf8(j).map_err(|err| bad_event(err.to_string())))?;
            events.push(NewEvent {
                device: ev.device.to_string(),
                seq: ev.seq,
                prev: ev.prev.as_ref().map(|p| p.to_string()),
                parents: ev.parents.iter().map(|p| p.to_string()).collect(),
                hash: hash.to_string(),
                json,
            });
        }
        let held = app.db.roster(&id).await?;
        let creating = match (&held, &creation) {
            (Some(roster), _) => {
                on_roster(roster, &device, &id)?;
                None
            }
            (None, Some((roster, hash))) => {
                on_roster(roster, &device, &id)?;
                Some((roster.as_slice(), hash.as_str()))
            }
            (None, None) => {
                return Err(refuse(
                    StatusCode::NOT_FOUND,
                    ErrorCode::UnknownInspection,
                    format!("HQ does not hold inspection {id} and the push carries no creation event"),
                ))
            }
        };
        let now = app.now();
        match app.db.push(&id, creating, &cards, &events, now).await {
            Ok(outcome) => ok(&PushResponse {
                new_events: outcome.new_events,
                known_events: outcome.known_events,
            }),
            Err(StorageError::Fork {
                inspection,
                device: forked,
                seq,
            }) => {
                let detail = serde_json::json!({
                    "inspection": inspection, "device": forked, "seq": seq,
                    "pushed_by": device.id,
                });
                app.log("fork", detail.clone());
                app.db.alarm("fork", &detail.to_string(), now).await?;
                Err(refuse(
                    StatusCode::CONFLICT,
                    ErrorCode::Fork,
                    format!(
                        "device {forked} already has a different event #{seq} in inspection {inspection}"
                    ),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    app.finish(&parts, outcome)
}

async fn pull<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, api::MAX_JSON_BYTES).await?;
        let device = app.authenticate(&parts, &body).await?;
        app.authorise(&device, &id).await?;
        let pull: PullRequest = parse(&body)?;
        let mut events = Vec::new();
        let mut devices = std::collections::BTreeSet::new();
        for json in app.db.events_beyond(&id, &pull.have).await? {
            let e = SignedEvent::from_json(json.as_bytes()).map_err(|err| {
                refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    err.to_string(),
                )
            })?;
            devices.insert(e.event.device.to_string());
            events.push(e);
        }
        let devices: Vec<String> = devices.into_iter().collect();
        let mut cards = Vec::new();
        for c in app.db.cards(&devices).await? {
            if let Ok(public_key) = c.public_key.parse() {
                cards.push(DeviceCard {
                    public_key,
                    inspector_name: c.inspector_name,
                    inspector_iin: c.inspector_iin,
                });
            }
        }
        let vector: VersionVector = app.db.vector(&id).await?;
        ok(&PullResponse {
            events,
            devices: cards,
            vector,
        })
    }
    .await;
    app.finish(&parts, outcome)
}

/// The bytes held of a partial upload: the parts from 0 on without a gap.
fn held(parts: &[Part]) -> u64 {
    let mut end = 0u64;
    for p in parts {
        if p.offset != end {
            break;
        }
        end = end.saturating_add(p.length);
    }
    end
}

fn offset_header(n: u64) -> [(&'static str, String); 1] {
    [(api::UPLOAD_OFFSET, n.to_string())]
}

async fn blob_head<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path((id, sha256)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, ENROL_BODY_LIMIT).await?;
        let device = app.authenticate(&parts, &body).await?;
        app.authorise(&device, &id).await?;
        check_sha256(&sha256)?;
        if let Some(bytes) = app.db.blob(&sha256).await? {
            app.db.link_blob(&id, &sha256).await?;
            return Ok((StatusCode::OK, offset_header(bytes)).into_response());
        }
        let parts = app.db.parts(&sha256).await?;
        Ok((StatusCode::NOT_FOUND, offset_header(held(&parts))).into_response())
    }
    .await;
    app.finish(&parts, outcome)
}

fn query_u64(parts: &Parts, name: &str) -> Result<u64, ApiError> {
    parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("the query needs '{name}=' and a whole number"),
            )
        })
}

async fn blob_put<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path((id, sha256)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, api::MAX_PART_BYTES).await?;
        let device = app.authenticate(&parts, &body).await?;
        app.authorise(&device, &id).await?;
        check_sha256(&sha256)?;
        let offset = query_u64(&parts, "offset")?;
        let total = query_u64(&parts, "total")?;
        if let Some(bytes) = app.db.blob(&sha256).await? {
            app.db.link_blob(&id, &sha256).await?;
            return ok(&PartResponse {
                offset: bytes,
                complete: true,
            });
        }
        let have = held(&app.db.parts(&sha256).await?);
        if offset != have {
            return Err(refuse(
                StatusCode::CONFLICT,
                ErrorCode::WrongOffset,
                format!(
                    "HQ holds {have} bytes of blob {sha256}; a part at {offset} does not follow"
                ),
            ));
        }
        let length = body.len() as u64;
        let end =
            offset
                .checked_add(length)
                .filter(|e| *e <= total)
                .ok_or_else(|| {
                    refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("a part of {length} bytes at {offset} goes past the blob's {total} bytes"),
            )
                })?;
        if length > 0 {
            let object = app.blobs.put_part(&sha256, offset, body).await?;
            let part = Part {
                offset,
                length,
                object: object.clone(),
            };
            if !app.db.add_part(&sha256, &part).await? {
                app.blobs.delete(&[object]).await;
                return Err(refuse(
                    StatusCode::CONFLICT,
                    ErrorCode::WrongOffset,
                    format!("another upload of blob {sha256} wrote offset {offset} first"),
                ));
            }
        }
        if end < total {
            return ok(&PartResponse {
                offset: end,
                complete: false,
            });
        }
        let all = app.db.parts(&sha256).await?;
        match app.blobs.commit(&sha256, &all).await {
            Ok(_) => {}
            Err(e @ BlobError::Mismatch { .. }) => {
                let objects: Vec<String> = all.into_iter().map(|p| p.object).collect();
                app.db.drop_parts(&sha256).await?;
                app.blobs.delete(&objects).await;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        app.db.commit_blob(&sha256, total, app.now()).await?;
        app.db.link_blob(&id, &sha256).await?;
        ok(&PartResponse {
            offset: total,
            complete: true,
        })
    }
    .await;
    app.finish(&parts, outcome)
}

async fn blob_get<S: Storage>(
    State(app): State<Arc<App<S>>>,
    Path((id, sha256)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body, ENROL_BODY_LIMIT).await?;
        let device = app.authenticate(&parts, &body).await?;
        app.authorise(&device, &id).await?;
        check_sha256(&sha256)?;
        if !app.db.inspection_has_blob(&id, &sha256).await? {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                format!("inspection {id} has no blob {sha256} at HQ"),
            ));
        }
        let (bytes, stream) = app.blobs.open(&sha256).await?;
        let stream = stream.map(|r| r.map_err(std::io::Error::other));
        Ok((
            StatusCode::OK,
            [(header::CONTENT_LENGTH, bytes.to_string())],
            Body::from_stream(stream),
        )
            .into_response())
    }
    .await;
    app.finish(&parts, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roster_is_read_from_either_shape_of_creation_event() {
        let roster = serde_json::json!({"members": [{"iin": "1"}, {"iin": "2", "name": "x"}]});
        let flat = serde_json::json!({"action": "created", "roster": roster["members"]});
        let nested =
            serde_json::json!({"actor": "a", "change": {"action": "created", "roster": roster}});
        for body in [flat, nested] {
            assert_eq!(creation_roster(&body), Some(vec!["1".into(), "2".into()]));
        }
        let answered = serde_json::json!({"change": {"action": "answered", "roster": roster}});
        assert_eq!(creation_roster(&answered), None);
        let no_iin =
            serde_json::json!({"action": "created", "roster": {"members": [{"name": "x"}]}});
        assert_eq!(creation_roster(&no_iin), None);
    }

    #[test]
    fn held_bytes_stop_at_a_gap() {
        let p = |offset, length| Part {
            offset,
            length,
            object: String::new(),
        };
        assert_eq!(held(&[]), 0);
        assert_eq!(held(&[p(0, 5), p(5, 5)]), 10);
        assert_eq!(held(&[p(0, 5), p(7, 5)]), 5);
        assert_eq!(held(&[p(3, 5)]), 0);
    }
}
