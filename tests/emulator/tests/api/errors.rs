//! Errors as AWS sends them, and injected faults, arriving typed through the SDK.

use crate::world::{acme, client, client_no_retry, header, raw, start, SIGNED};
use aws_sdk_codeartifact::error::ProvideErrorMetadata;
use aws_sdk_codeartifact::operation::list_packages::ListPackagesError;
use aws_sdk_codeartifact::types::PackageFormat;
use codeartifact_emulator::Options;
use std::time::{Duration, Instant};

#[tokio::test]
async fn throttling_arrives_typed_with_retry_after() {
    let options = Options {
        throttle_rate: 1.0,
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let error = client_no_retry(&emulator)
        .list_packages()
        .domain("acme")
        .repository("app")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    match &error {
        ListPackagesError::ThrottlingException(throttling) => {
            assert_eq!(throttling.retry_after_seconds(), Some(1));
        }
        other => panic!("expected ThrottlingException, got {other:?}"),
    }
    assert_eq!(emulator.count("ListPackages"), 1);

    let (status, headers, body) = raw(
        &emulator,
        "POST",
        "/v1/packages?domain=acme&repository=app",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), Some("1"));
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("ThrottlingException")
    );
    assert!(
        body.contains("\"__type\":\"ThrottlingException\""),
        "{body}"
    );
}

#[tokio::test]
async fn throttled_and_failed_requests_succeed_on_retry() {
    let options = Options {
        throttle_rate: 0.2,
        error_rate: 0.1,
        seed: 3,
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client(&emulator);
    for _ in 0..20 {
        client
            .describe_domain()
            .domain("acme")
            .send()
            .await
            .unwrap();
    }
    let received = emulator.count("DescribeDomain");
    assert!(
        received > 20,
        "some requests were faulted and retried: {received}"
    );
}

#[tokio::test]
async fn faults_are_deterministic_under_a_seed() {
    async fn outcomes(seed: u64) -> Vec<bool> {
        let options = Options {
            throttle_rate: 0.25,
            error_rate: 0.25,
            seed,
            ..Options::default()
        };
        let emulator = start(acme(), options).await;
        let client = client_no_retry(&emulator);
        let mut outcomes = Vec::new();
        for _ in 0..40 {
            outcomes.push(client.describe_domain().domain("acme").send().await.is_ok());
        }
        outcomes
    }
    let first = outcomes(7).await;
    assert_eq!(first, outcomes(7).await);
    assert_ne!(first, outcomes(8).await);
    assert!(first.iter().any(|ok| *ok) && first.iter().any(|ok| !*ok));
}

#[tokio::test]
async fn server_errors_arrive_typed() {
    let options = Options {
        error_rate: 1.0,
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let error = client_no_retry(&emulator)
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_internal_server_exception(), "{error:?}");
}

#[tokio::test]
async fn access_denied_by_arn_glob() {
    let options = Options {
        deny: vec![
            "*:repository/acme/npm-store".into(),
            "*:package/acme/app/npm/acme/*".into(),
            "*:package-group/acme/%2Fnpm%2F%2A".into(),
        ],
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client(&emulator);
    let denied = client
        .describe_repository()
        .domain("acme")
        .repository("npm-store")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(denied.is_access_denied_exception(), "{denied:?}");
    assert!(denied
        .message()
        .unwrap()
        .contains("repository/acme/npm-store"));
    let listing = client
        .list_packages()
        .domain("acme")
        .repository("npm-store")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(listing.is_access_denied_exception());
    // The same deny answers before existence is checked.
    client
        .describe_repository()
        .domain("acme")
        .repository("app")
        .send()
        .await
        .unwrap();

    // Packages by their own ARN.
    let package = client
        .list_package_versions()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(package.is_access_denied_exception());
    client
        .list_package_versions()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .package("left-pad")
        .send()
        .await
        .unwrap();

    // Groups by theirs.
    let group = client
        .describe_package_group()
        .domain("acme")
        .package_group("/npm/*")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(group.is_access_denied_exception());
    client
        .describe_package_group()
        .domain("acme")
        .package_group("/npm/acme/*")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_resources_are_not_found() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    let domain = client
        .describe_domain()
        .domain("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(domain.is_resource_not_found_exception());
    let wrong_owner = client
        .describe_domain()
        .domain("acme")
        .domain_owner("000000000000")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(wrong_owner.is_resource_not_found_exception());
    let repository = client
        .describe_repository()
        .domain("acme")
        .repository("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(repository.is_resource_not_found_exception());
    let package = client
        .describe_package()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .package("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(package.is_resource_not_found_exception());
    match &package {
        aws_sdk_codeartifact::operation::describe_package::DescribePackageError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_type().map(|t| t.as_str()), Some("package"));
            assert_eq!(e.resource_id(), Some("nope"));
        }
        other => panic!("{other:?}"),
    }
    let group = client
        .describe_package_group()
        .domain("acme")
        .package_group("/maven/*")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(group.is_resource_not_found_exception());

    // A missing policy is a 404 too.
    let domain_policy = client
        .get_domain_permissions_policy()
        .domain("beta")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(domain_policy.is_resource_not_found_exception());
    let repository_policy = client
        .get_repository_permissions_policy()
        .domain("acme")
        .repository("internal")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(repository_policy.is_resource_not_found_exception());
}

#[tokio::test]
async fn validation_errors() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    for bad in [1001, -5] {
        let error = client
            .list_packages()
            .domain("acme")
            .repository("app")
            .max_results(bad)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(error.is_validation_exception(), "{bad}: {error:?}");
    }
    let token = client
        .list_packages()
        .domain("acme")
        .repository("app")
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(token.is_validation_exception());
    let format = client
        .describe_package()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::from("conda"))
        .package("x")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(format.is_validation_exception());

    // What the SDK would not send: max-results=0, a missing required member, a bad body.
    let (status, headers, body) = raw(
        &emulator,
        "POST",
        "/v1/packages?domain=acme&repository=app&max-results=0",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("ValidationException")
    );
    assert!(body.contains("FIELD_VALIDATION_FAILED"), "{body}");
    let (status, _, _) = raw(
        &emulator,
        "GET",
        "/v1/repository?domain=acme",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, body) = raw(
        &emulator,
        "PUT",
        "/v1/package-group-origin-configuration?domain=acme&package-group=%2F%2A",
        &[SIGNED],
        "{not json",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("CANNOT_PARSE"), "{body}");
}

#[tokio::test]
async fn protocol_details() {
    let emulator = start(acme(), Options::default()).await;
    // Empty and `{}` bodies are both accepted by query-only POST operations.
    for body in ["", "{}", "{\"ignored\":true}"] {
        let (status, headers, text) = raw(
            &emulator,
            "POST",
            "/v1/packages?domain=acme&repository=app",
            &[SIGNED],
            body,
        )
        .await;
        assert_eq!(status, 200, "{body:?}: {text}");
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        assert!(header(&headers, "x-amzn-requestid").is_some());
    }
    // Requests without SigV4 are refused as AWS does (more cases in `auth.rs`).
    let (status, headers, body) = raw(&emulator, "GET", "/v1/domain?domain=acme", &[], "").await;
    assert_eq!(status, 403);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    assert!(body.contains("\"__type\":\"MissingAuthenticationTokenException\""));
    let (status, headers, _) = raw(
        &emulator,
        "GET",
        "/v1/domain?domain=acme",
        &[("authorization", "Basic eDp5")],
        "",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("IncompleteSignatureException")
    );
    // Unknown routes, including a known path with a method no operation uses there
    // (DELETE /v1/package is DeletePackage in the model).
    let (status, headers, _) =
        raw(&emulator, "PATCH", "/v1/package?domain=acme", &[SIGNED], "").await;
    assert_eq!(status, 404);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("UnknownOperationException")
    );
    let (status, _, _) = raw(&emulator, "GET", "/nothing-here", &[SIGNED], "").await;
    assert_eq!(status, 404);
    // Percent-encoded group patterns are decoded before matching.
    let (status, _, body) = raw(
        &emulator,
        "GET",
        "/v1/package-group?domain=acme&package-group=%2Fnpm%2Facme%2F%2A",
        &[SIGNED],
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"pattern\":\"/npm/acme/*\""));
    // Timestamps are epoch-second numbers.
    let (_, _, body) = raw(&emulator, "GET", "/v1/domain?domain=acme", &[SIGNED], "").await;
    assert!(body.contains("\"createdTime\":1700000000.5"), "{body}");
}

#[tokio::test]
async fn latency_is_added_per_request() {
    let options = Options {
        latency: Duration::from_millis(60),
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client(&emulator);
    let started = Instant::now();
    client
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
    client
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_requests_get_4xx_not_a_crash() {
    let emulator = start(acme(), Options::default()).await;
    let cases = [
        ("GET", "/v1/package-group?domain=acme&package-group=%ZZ%2", ""),
        ("GET", "/v1/package-group?domain=acme&package-group=no-slash", ""),
        ("GET", "/v1/package?domain=acme&repository=app&format=npm&package=a%2Fb", ""),
        ("GET", "/v1/domain?domain=acme&domain-owner=12", ""),
        ("POST", "/v1/packages?domain=acme&repository=app&max-results=99999999999999999999", ""),
        ("POST", "/v1/packages?domain=acme&repository=app&next-token=%E2%9C%93", ""),
        ("POST", "/v1/packages?domain=acme&repository=app&publish=MAYBE", ""),
        ("POST", "/v1/domains", "{\"maxResults\":\"ten\"}"),
        ("POST", "/v1/domains", "[]"),
        ("POST", "/v1/package?domain=acme&repository=app&format=npm&package=x", "{\"restrictions\":{\"publish\":\"ALLOW\"}}"),
        ("POST", "/v1/package-group?domain=acme", "{\"packageGroup\":42}"),
        ("PUT", "/v1/package-group-origin-configuration?domain=acme&package-group=%2F%2A", "{\"restrictions\":{\"PUBLISH\":\"SOMETIMES\"}}"),
        ("PUT", "/v1/package-group-origin-configuration?domain=acme&package-group=%2F%2A", "{\"addAllowedRepositories\":[{\"repositoryName\":\"app\"}]}"),
        ("GET", "/v1/package-group-allowed-repositories?domain=acme&package-group=%2F%2A&originRestrictionType=ALL", ""),
        ("GET", "/v1/list-associated-packages?domain=acme&package-group=%2F%2A&preview=perhaps", ""),
    ];
    for (method, target, body) in cases {
        let (status, headers, text) = raw(&emulator, method, target, &[SIGNED], body).await;
        assert_eq!(status, 400, "{method} {target} {body}: {text}");
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("ValidationException"),
            "{target}"
        );
    }
    // Still serving.
    client(&emulator)
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
}
