//! The Lambda entry point: configuration from the environment (see the library docs), then
//! the runtime loop. The state (client, context, published findings) lives as long as the
//! execution environment.
// The handler's future nests the SDK's, the runtime's and the scan's futures deeply enough to
// pass rustc's default layout depth.
#![recursion_limit = "256"]

use lambda_runtime::{service_fn, Error, LambdaEvent};
use std::sync::Arc;
use tokio::sync::Mutex;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let settings = caguard_lambda::Settings::from_env()?;
    let state = Arc::new(Mutex::new(caguard_lambda::State::start(settings).await?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let mut state = state.lock().await;
            caguard_lambda::handle(&mut state, event.payload).await
        }
    }))
    .await
}
