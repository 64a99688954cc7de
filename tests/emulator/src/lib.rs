//! A CodeArtifact emulator speaking the real REST-JSON protocol, for caguard's tests and demos.
//!
//! It serves one [`Inventory`] on 127.0.0.1, routes on method + path exactly as
//! botocore's `service-2.json` does, checks SigV4's shape ([`auth`]) and every request against
//! the embedded model's input shapes ([`model`]), answers with the model's response shapes
//! and errors, changes its state on writes, and injects faults (latency, throttling, 5xx,
//! AccessDenied, failing writes) deterministically under a seed. Point the real SDK at it with
//! an endpoint override and static credentials:
//!
//! ```no_run
//! # async fn demo(inventory: caguard::inventory::Inventory) -> std::io::Result<()> {
//! use codeartifact_emulator::{Emulator, Options};
//! let emulator = Emulator::start(inventory, Options::default()).await?;
//! println!("endpoint: {}", emulator.endpoint_url());
//! // ... aws_sdk_codeartifact::Config::builder().endpoint_url(emulator.endpoint_url()) ...
//! # Ok(()) }
//! ```
//!
//! Besides the API it answers `GET /__emulator/stats` (requests per operation) and
//! `GET /__emulator/inventory` (the current state).
//!
//! On the same port it serves STS (`GetCallerIdentity`, `AssumeRole`), and with
//! [`Emulator::start_accounts`] several accounts, each seeing its own domains and what other
//! accounts' domain policies grant it (see the `accounts` and `sts` modules).

mod accounts;
pub mod auth;
mod error;
pub mod events;
mod faults;
pub mod generate;
mod groups;
pub mod model;
mod ops;
mod organizations;
mod quota;
mod request;
mod routes;
mod side;
mod sts;
mod versions;
mod writes;

pub use accounts::{AccountsError, Caller};
pub use error::ApiError;
pub use faults::glob_match;
pub use routes::Operation;

use bytes::Bytes;
use caguard::inventory::Inventory;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request as HttpRequest, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// How the emulator behaves beyond serving its inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Added to every API request before it is answered.
    pub latency: Duration,
    /// Fraction (0..=1) of API requests answered 429 ThrottlingException with `Retry-After`.
    pub throttle_rate: f64,
    /// Fraction (0..=1) of the remaining API requests answered 500 InternalServerException.
    pub error_rate: f64,
    /// Globs (`*` matches anything, `/` included) over the ARN a request addresses; a match is
    /// answered 403 AccessDeniedException.
    pub deny: Vec<String>,
    /// After this many write requests, every further write fails with 500.
    pub fail_writes_after: Option<u64>,
    /// Seed of the fault decisions: the same seed and request order give the same faults.
    pub seed: u64,
    /// Page size when a request sends no `maxResults`. Below the 1000 maximum on purpose, so
    /// clients that forget to paginate are caught by small test worlds.
    pub default_page_size: usize,
    /// The `Retry-After` seconds sent with an injected ThrottlingException.
    pub retry_after_seconds: u32,
    /// Keep every successful response body for [`EmulatorHandle::responses`] (tests hand them
    /// to an output-shape validator). Off by default: a long run would grow without bound.
    pub record_responses: bool,
    /// Requests per second each calling account may make (all CodeArtifact operations
    /// together); above it requests are answered 429 ThrottlingException, as the service
    /// does above an account's quota. `None`: no quota.
    pub quota_rps: Option<f64>,
    /// Accounts STS AssumeRole refuses with AccessDenied (12-digit ids).
    pub deny_assume: Vec<String>,
    /// Long-term access key ids and the account each belongs to; an unlisted key belongs to
    /// the default account (the first inventory's).
    pub access_keys: BTreeMap<String, String>,
    /// Append every EventBridge event (see [`events`]) to this file as a JSON line.
    pub events_file: Option<std::path::PathBuf>,
    /// Also POST every event to this loopback URL (`http://127.0.0.1:PORT/PATH`).
    pub events_url: Option<String>,
    /// Organizations members besides the accounts the emulator holds (which are ACTIVE):
    /// (account id, state), e.g. `("999900001111", "SUSPENDED")`.
    pub organization_accounts: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            latency: Duration::ZERO,
            throttle_rate: 0.0,
            error_rate: 0.0,
            deny: Vec::new(),
            fail_writes_after: None,
            seed: 0,
            default_page_size: 100,
            retry_after_seconds: 1,
            record_responses: false,
            quota_rps: None,
            deny_assume: Vec::new(),
            access_keys: BTreeMap::new(),
            events_file: None,
            events_url: None,
            organization_accounts: Vec::new(),
        }
    }
}

/// State shared by all connections of one emulator.
struct Shared {
    accounts: Mutex<accounts::Accounts>,
    identities: sts::Identities,
    /// State the inventory format has no place for (tags, assets, tokens); always locked after
    /// `accounts` when both are held.
    side: Mutex<side::Side>,
    /// Successful response bodies, when `options.record_responses` is on.
    responses: Mutex<Vec<(String, serde_json::Value)>>,
    stats: Mutex<BTreeMap<String, u64>>,
    options: Options,
    /// Sequence number of API requests, the input of the fault decisions.
    sequence: AtomicU64,
    writes: AtomicU64,
    /// When each write request arrived (faulted ones included), for write-rate checks.
    write_times: Mutex<Vec<std::time::Instant>>,
    quota: Option<quota::Quota>,
    /// Requests answered 429 because they were over the quota.
    over_quota: AtomicU64,
    events: events::Events,
}

/// A poisoned lock only means a handler panicked mid-request; the data is still the best
/// state there is, and a test harness must keep answering.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct Emulator;

impl Emulator {
    /// Starts serving `inventory` on 127.0.0.1 with an OS-chosen port.
    pub async fn start(inventory: Inventory, options: Options) -> std::io::Result<EmulatorHandle> {
        Self::start_on_port(inventory, options, 0).await
    }

    /// Starts serving on 127.0.0.1:`port` (0 lets the OS choose). Only the loopback interface
    /// is ever bound: the emulator has no authentication worth the name.
    pub async fn start_on_port(
        inventory: Inventory,
        options: Options,
        port: u16,
    ) -> std::io::Result<EmulatorHandle> {
        Self::serve(accounts::Accounts::single(inventory), options, port).await
    }

    /// Starts serving several accounts on 127.0.0.1 with an OS-chosen port. Each domain belongs
    /// to its `owner` or its ARN's account (one naming neither to the first owner its
    /// inventory names, else 111122223333); the first inventory's account is the default
    /// account of long-term keys.
    /// A caller sees its own account's domains, and another account's domain only when that
    /// domain's policy allows it the action. Fails with `InvalidInput` when two inventories put
    /// the same domain name, or two regions, into one account; its inner error is an
    /// [`AccountsError`] naming the inventory.
    pub async fn start_accounts(
        inventories: Vec<Inventory>,
        options: Options,
    ) -> std::io::Result<EmulatorHandle> {
        Self::start_accounts_on_port(inventories, options, 0).await
    }

    /// [`Emulator::start_accounts`] on 127.0.0.1:`port` (0 lets the OS choose).
    pub async fn start_accounts_on_port(
        inventories: Vec<Inventory>,
        options: Options,
        port: u16,
    ) -> std::io::Result<EmulatorHandle> {
        let accounts = accounts::Accounts::partitioned(inventories)
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
        Self::serve(accounts, options, port).await
    }

    async fn serve(
        accounts: accounts::Accounts,
        options: Options,
        port: u16,
    ) -> std::io::Result<EmulatorHandle> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let addr = listener.local_addr()?;
        let identities =
            sts::Identities::new(accounts.default_account(), options.access_keys.clone());
        let quota = options.quota_rps.map(quota::Quota::new);
        let events = events::Events::new(options.events_file.clone(), options.events_url.clone());
        let shared = Arc::new(Shared {
            events,
            accounts: Mutex::new(accounts),
            identities,
            side: Mutex::new(side::Side::default()),
            responses: Mutex::new(Vec::new()),
            stats: Mutex::new(BTreeMap::new()),
            options,
            sequence: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            write_times: Mutex::new(Vec::new()),
            quota,
            over_quota: AtomicU64::new(0),
        });
        let server = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(EmulatorHandle {
            addr,
            shared,
            server,
        })
    }
}

/// A running emulator. Dropping it stops the server and closes its connections.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl EmulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received per operation name, faulted ones included.
    pub fn stats(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.stats).clone()
    }

    /// Requests received for one operation.
    pub fn count(&self, operation: &str) -> u64 {
        lock(&self.shared.stats)
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Requests answered 429 ThrottlingException because they were over `quota_rps`.
    pub fn over_quota(&self) -> u64 {
        self.shared.over_quota.load(Ordering::SeqCst)
    }

    /// Write requests received (every write operation, faulted ones included).
    pub fn writes(&self) -> u64 {
        lock(&self.shared.write_times).len() as u64
    }

    /// When each write request arrived, in order.
    pub fn write_times(&self) -> Vec<std::time::Instant> {
        lock(&self.shared.write_times).clone()
    }

    /// The current state; with several accounts, every account's domains in one inventory.
    pub fn inventory(&self) -> Inventory {
        lock(&self.shared.accounts).merged()
    }

    /// The current state of one account (`None`: the emulator holds nothing for it). With one
    /// inventory (`Emulator::start`) its account is the first owner it names.
    pub fn account_inventory(&self, account: &str) -> Option<Inventory> {
        lock(&self.shared.accounts)
            .worlds()
            .iter()
            .find(|world| world.account == account)
            .map(|world| world.inventory.clone())
    }

    /// The accounts holding state, the default account (of long-term keys) first.
    pub fn accounts(&self) -> Vec<String> {
        lock(&self.shared.accounts)
            .worlds()
            .iter()
            .map(|world| world.account.clone())
            .collect()
    }

    /// (operation name, JSON body) of every successful API response so far, in order; empty
    /// unless [`Options::record_responses`] is set. GetPackageVersionAsset, whose body is the
    /// asset's bytes, is recorded as an object of its header members (`assetName`,
    /// `packageVersion`, `packageVersionRevision`).
    pub fn responses(&self) -> Vec<(String, serde_json::Value)> {
        lock(&self.shared.responses).clone()
    }

    /// Every EventBridge event emitted so far, in order (see [`events`]).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.shared.events.all()
    }

    /// A client's fetch of a public version through a repository, in the default account
    /// (see [`events::ingest`]): the events it caused, or (HTTP status, why) when refused.
    pub fn ingest(
        &self,
        request: &events::IngestRequest,
    ) -> Result<Vec<serde_json::Value>, events::Refusal> {
        ingest_in(&self.shared, request)
    }
}

fn ingest_in(
    shared: &Shared,
    request: &events::IngestRequest,
) -> Result<Vec<serde_json::Value>, events::Refusal> {
    let mut accounts = lock(&shared.accounts);
    let mut side = lock(&shared.side);
    let account = accounts.default_account();
    let inventory = accounts
        .world_mut(&account)
        .ok_or((404, format!("no state for account {account}")))?;
    let before = events::snapshot(inventory);
    events::ingest(inventory, request, &mut |about| {
        side.unique("revision", about)
    })?;
    let after = events::snapshot(inventory);
    Ok(shared
        .events
        .emit(&ops::region(inventory), &before, &after, now()))
}

/// Operations that change package versions, and so emit events.
fn changes_versions(operation: Operation) -> bool {
    matches!(
        operation,
        Operation::PublishPackageVersion
            | Operation::CopyPackageVersions
            | Operation::DeletePackageVersions
            | Operation::DisposePackageVersions
            | Operation::UpdatePackageVersionsStatus
            | Operation::DeletePackage
    )
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every open connection.
        self.server.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(&shared, request).await) }
                    });
                    // A client that hangs up mid-request is not the emulator's problem.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

const MAX_BODY: usize = 1 << 20;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as f64)
        .unwrap_or(0.0)
}

fn json_response(status: u16, body: &serde_json::Value, request_id: &str) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

fn error_response(error: &ApiError, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = json_response(error.status, &error.body(), request_id);
    let headers = response.headers_mut();
    headers.insert("x-amzn-errortype", HeaderValue::from_static(error.code));
    if let Some(seconds) = error.retry_after {
        // Must be an integer, or the SDK cannot fill `retry_after_seconds`.
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

impl ops::Reply {
    fn into_response(self, request_id: &str) -> Response<Full<Bytes>> {
        match self {
            ops::Reply::Json(body) => json_response(200, &body, request_id),
            ops::Reply::Blob { bytes, headers, .. } => {
                let mut response = Response::new(Full::new(Bytes::from(bytes)));
                let map = response.headers_mut();
                map.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                if let Ok(value) = HeaderValue::from_str(request_id) {
                    map.insert("x-amzn-requestid", value);
                }
                for (name, value) in headers {
                    // Asset names may hold characters a header cannot carry; those are left
                    // out rather than sent mangled.
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        map.insert(name, value);
                    }
                }
                response
            }
        }
    }
}

fn request_id(sequence: u64) -> String {
    format!("00000000-0000-4000-8000-{sequence:012x}")
}

async fn handle(shared: &Shared, request: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    if let Some(response) = control(shared, &method, &path, request.uri().query()) {
        return response;
    }
    if method == "POST" && path == "/__emulator/ingest" {
        return ingest_route(shared, request).await;
    }
    // CodeArtifact has nothing at `/`; STS has nothing elsewhere.
    if path == "/" {
        return handle_root(shared, request).await;
    }
    // Only the key id matters here: a missing or malformed header is refused below.
    let credential = sts::Credential::read(request.headers(), request.uri().query()).ok();
    let raw_query = request.uri().query().map(str::to_string);
    let arrived = std::time::Instant::now();
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
    let id = request_id(sequence);
    let operation = Operation::route(&method, &path);
    *lock(&shared.stats)
        .entry(
            operation
                .map_or("UnknownOperation", Operation::name)
                .to_string(),
        )
        .or_insert(0) += 1;
    if operation.is_some_and(Operation::is_write) {
        lock(&shared.write_times).push(std::time::Instant::now());
    }
    let options = &shared.options;
    if !options.latency.is_zero() {
        tokio::time::sleep(options.latency).await;
    }
    // The model knows all 48 operations; the router only those this emulator serves.
    // Authentication and validation follow the model, so an operation that is not served
    // still refuses what AWS would refuse before answering UnknownOperation.
    let modelled = model::operation_at(&method, &path);
    if operation.is_none() && modelled.is_none() {
        return error_response(&ApiError::unknown_operation(&method, &path), &id);
    }
    let query = request::Query::parse(request.uri().query());
    if let Err(error) = auth::authenticate(request.headers(), &query, "codeartifact") {
        return error_response(&error, &id);
    }
    match faults::decide(
        options.seed,
        sequence,
        options.throttle_rate,
        options.error_rate,
    ) {
        faults::Fault::Throttle => {
            return error_response(&ApiError::throttling(options.retry_after_seconds), &id)
        }
        faults::Fault::ServerError => {
            return error_response(
                &ApiError::internal("Internal failure (injected by the emulator)"),
                &id,
            )
        }
        faults::Fault::None => {}
    }
    let caller = shared
        .identities
        .caller(credential.as_ref().map(|c| c.access_key_id.as_str()));
    if let Some(quota) = &shared.quota {
        if !quota.admit(&caller.account, arrived) {
            shared.over_quota.fetch_add(1, Ordering::SeqCst);
            let mut error = ApiError::throttling(options.retry_after_seconds);
            error.message = format!(
                "Rate exceeded: account {} is over its quota of {} requests/s (emulator --quota-rps)",
                caller.account,
                quota.rate()
            );
            return error_response(&error, &id);
        }
    }
    let headers = request.headers().clone();
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return error_response(
                &ApiError::cannot_parse("request body unreadable or over 1 MiB"),
                &id,
            )
        }
    };
    if let Some(modelled) = modelled {
        let parts = model::RequestParts {
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        };
        if let Err(error) = model::validate_request(modelled, &parts) {
            return error_response(&error, &id);
        }
    }
    let Some(operation) = operation else {
        return error_response(&ApiError::unknown_operation(&method, &path), &id);
    };
    if operation.is_write() {
        let written = shared.writes.fetch_add(1, Ordering::SeqCst);
        if options
            .fail_writes_after
            .is_some_and(|limit| written >= limit)
        {
            let error = ApiError::internal(format!(
                "Internal failure: writes fail after {written} (emulator --fail-writes-after)"
            ));
            return error_response(&error, &id);
        }
    }
    // PublishPackageVersion's only header member, `assetSHA256` (shape SHA256).
    let sha256 = headers
        .get("x-amz-content-sha256")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    // A blob payload (PublishPackageVersion's asset) is not JSON.
    let (body, payload) = if modelled.is_some_and(model::OperationModel::has_blob_payload) {
        (serde_json::Map::new(), body)
    } else {
        match request::parse_body(&body) {
            Ok(parsed) => (parsed, Bytes::new()),
            Err(error) => return error_response(&error, &id),
        }
    };
    let call = ops::Request {
        operation,
        query,
        body,
        deny: &options.deny,
        default_page_size: options.default_page_size,
        now: now(),
        payload,
        sha256,
    };
    let result = {
        let mut accounts = lock(&shared.accounts);
        let mut side = lock(&shared.side);
        accounts
            .target(&caller, operation, raw_query.as_deref(), &call.body)
            .and_then(|account| {
                let before = changes_versions(operation)
                    .then(|| accounts.world_mut(&account).map(|w| events::snapshot(w)))
                    .flatten();
                let result = execute_in(&mut accounts, &mut side, &account, &call);
                if let (Ok(_), Some(before), Some(world)) =
                    (&result, before, accounts.world_mut(&account))
                {
                    let after = events::snapshot(world);
                    shared
                        .events
                        .emit(&ops::region(world), &before, &after, call.now);
                }
                result
            })
    };
    match result {
        Ok(reply) => {
            if options.record_responses {
                lock(&shared.responses).push((operation.name().to_string(), reply.record()));
            }
            reply.into_response(&id)
        }
        Err(error) => error_response(&error, &id),
    }
}

/// Runs the operation against `account`'s state. An account the emulator holds nothing for
/// gets an empty state, kept only if the operation put a domain into it.
fn execute_in(
    accounts: &mut accounts::Accounts,
    side: &mut side::Side,
    account: &str,
    call: &ops::Request,
) -> Result<ops::Reply, ApiError> {
    if let Some(inventory) = accounts.world_mut(account) {
        return ops::execute(inventory, side, call);
    }
    let mut scratch = accounts.empty();
    let result = ops::execute(&mut scratch, side, call);
    if !scratch.domains.is_empty() {
        accounts.adopt(account, scratch);
    }
    result
}

/// A request at `/`: STS when signed for `sts` (or unsigned with an `Action`), else the
/// CodeArtifact answer for an unrouted request. STS requests get `--latency-ms` but no other
/// fault, and count as `sts:ACTION`.
async fn handle_root(shared: &Shared, request: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().as_str().to_string();
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
    let id = request_id(sequence);
    let credential = sts::Credential::read(request.headers(), request.uri().query());
    let query = request.uri().query().map(str::to_string);
    let organizations_target = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.starts_with(organizations::TARGET_PREFIX))
        .map(str::to_string);
    let form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    if let Some(target) = organizations_target {
        if !shared.options.latency.is_zero() {
            tokio::time::sleep(shared.options.latency).await;
        }
        let key = credential.as_ref().ok().map(|c| c.access_key_id.clone());
        let caller = shared.identities.caller(key.as_deref());
        let (management, members) = {
            let accounts = lock(&shared.accounts);
            let mut members: BTreeMap<String, String> = accounts
                .worlds()
                .iter()
                .map(|world| (world.account.clone(), "ACTIVE".to_string()))
                .collect();
            for (id, state) in &shared.options.organization_accounts {
                members.insert(id.clone(), state.clone());
            }
            let management = accounts
                .worlds()
                .first()
                .map_or(ops::DEFAULT_ACCOUNT.to_string(), |world| {
                    world.account.clone()
                });
            (management, members.into_iter().collect::<Vec<_>>())
        };
        let answer = organizations::execute(&target, &body, &caller, &management, &members);
        *lock(&shared.stats)
            .entry(format!("organizations:{}", answer.action))
            .or_insert(0) += 1;
        let mut response = json_response(answer.status, &answer.body, &id);
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        return response;
    }
    let params = sts::Params::parse(query.as_deref(), form.then_some(&body[..]));
    let count = |name: &str| *lock(&shared.stats).entry(name.to_string()).or_insert(0) += 1;
    if !shared.options.latency.is_zero() {
        tokio::time::sleep(shared.options.latency).await;
    }
    if !sts::is_sts(&params, credential.as_ref().ok()) {
        count("UnknownOperation");
        let error = match &credential {
            Ok(credential) => ApiError::unknown_operation(
                &method,
                &format!(
                    "/ (signed for `{}`: this emulator serves codeartifact and sts only)",
                    credential.service
                ),
            ),
            Err(_) => ApiError::unknown_operation(&method, "/"),
        };
        return error_response(&error, &id);
    }
    let answer = sts::execute(
        &shared.identities,
        &shared.options.deny_assume,
        &params,
        credential,
        now() as u64,
        &id,
    );
    count(answer.action);
    sts::http_response(&answer.result, &id)
}

/// `POST /__emulator/ingest` with an [`events::IngestRequest`] body: 200 with the events, or
/// the refusal's status and message. Not signed, not faulted, not counted.
async fn ingest_route(shared: &Shared, request: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let id = "emulator-control";
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let parsed: events::IngestRequest = match serde_json::from_slice(&body) {
        Ok(parsed) => parsed,
        Err(error) => {
            let body = serde_json::json!({ "message": format!("bad ingest request: {error}") });
            return json_response(400, &body, id);
        }
    };
    match ingest_in(shared, &parsed) {
        Ok(events) => json_response(200, &serde_json::json!({ "events": events }), id),
        Err((status, message)) => {
            json_response(status, &serde_json::json!({ "message": message }), id)
        }
    }
}

/// The emulator's own routes, outside the API: no signature, no faults, not counted.
/// `/__emulator/inventory?account=ID` is one account's state (404 when it holds nothing).
fn control(
    shared: &Shared,
    method: &str,
    path: &str,
    query: Option<&str>,
) -> Option<Response<Full<Bytes>>> {
    if method != "GET" {
        return None;
    }
    let id = "emulator-control";
    match path {
        "/__emulator/stats" => {
            let stats = lock(&shared.stats).clone();
            Some(json_response(200, &serde_json::json!(stats), id))
        }
        "/__emulator/inventory" => {
            let account = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .find(|(key, _)| key == "account")
                .map(|(_, value)| value.into_owned());
            let accounts = lock(&shared.accounts);
            let inventory = match account {
                None => accounts.merged(),
                Some(account) => match accounts
                    .worlds()
                    .iter()
                    .find(|world| world.account == account)
                {
                    Some(world) => world.inventory.clone(),
                    None => {
                        let body = serde_json::json!({ "message": format!("no state for account {account}") });
                        return Some(json_response(404, &body, id));
                    }
                },
            };
            let value = serde_json::to_value(&inventory).unwrap_or_default();
            Some(json_response(200, &value, id))
        }
        _ => None,
    }
}
