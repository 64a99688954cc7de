//! Every one of the model's 48 operations through the real SDK, in the order a person would
//! use them (domain → repository → publish → list, copy, status, dispose, delete ...), each
//! succeeding on valid input, and the documented rules refusing what they forbid.

use crate::world::{acme, client, start, ACCOUNT};
use aws_sdk_codeartifact::error::ProvideErrorMetadata;
use aws_sdk_codeartifact::primitives::ByteStream;
use aws_sdk_codeartifact::types::{
    AllowPublish, AllowUpstream, PackageFormat, PackageGroupOriginRestrictionMode as Mode,
    PackageGroupOriginRestrictionType as Kind, PackageOriginRestrictions, PackageVersionStatus,
    Tag, UpstreamRepository,
};
use codeartifact_emulator::{EmulatorHandle, Operation, Options};
use std::collections::BTreeSet;

const DOMAIN: &str = "demo";
const NS: &str = "tools";
const PKG: &str = "cli";
const ASSET: &[u8] = b"#!/bin/sh\necho hello\n";

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The error code of a failed call; panics (test only) when the call succeeded.
fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.code().unwrap_or("<no code>").to_string(),
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// The single call site for the model's output-shape validator.
///
/// TODO(emulator-validation): once `codeartifact_emulator::model::validate_output` lands, hand
/// every recorded body to it here:
/// `for (op, body) in &responses { assert!(model::validate_output(op, body).is_empty(), ...) }`.
/// Until then this only checks that every operation answered at least once.
fn check_outputs(handle: &EmulatorHandle) {
    let responses = handle.responses();
    let seen: BTreeSet<&str> = responses.iter().map(|(name, _)| name.as_str()).collect();
    let missing: Vec<&str> = Operation::all()
        .map(Operation::name)
        .filter(|name| !seen.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "no successful response recorded for {missing:?}"
    );
    assert_eq!(Operation::all().count(), 48);
    // Every body against the model's output shape, over the raw JSON (the SDK's parser is
    // lenient: it would accept unknown members or wrong types silently).
    let mut problems = Vec::new();
    for (operation, body) in &responses {
        assert!(body.is_object(), "{operation} answered {body}");
        if operation == "GetPackageVersionAsset" {
            // A blob body; its members are headers, recorded for this check only.
            continue;
        }
        for problem in codeartifact_emulator::model::validate_output(operation, body) {
            problems.push(format!("{operation}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn every_operation_in_a_sensible_order() {
    let options = Options {
        record_responses: true,
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client(&emulator);

    // Domains.
    let created = client
        .create_domain()
        .domain(DOMAIN)
        .tags(tag("team", "platform"))
        .send()
        .await
        .unwrap();
    let domain = created.domain().unwrap();
    assert_eq!(domain.owner(), Some(ACCOUNT));
    assert_eq!(domain.repository_count(), 0);
    let domain_arn = domain.arn().unwrap().to_string();
    assert_eq!(
        code(client.create_domain().domain(DOMAIN).send().await),
        "ConflictException"
    );
    let domains = client.list_domains().send().await.unwrap();
    assert!(domains.domains().iter().any(|d| d.name() == Some(DOMAIN)));
    client
        .describe_domain()
        .domain(DOMAIN)
        .send()
        .await
        .unwrap();

    // Repositories and the external connection.
    client
        .create_repository()
        .domain(DOMAIN)
        .repository("store")
        .tags(tag("kind", "store"))
        .send()
        .await
        .unwrap();
    let upstream = UpstreamRepository::builder()
        .repository_name("store")
        .build()
        .unwrap();
    client
        .create_repository()
        .domain(DOMAIN)
        .repository("app")
        .description("consumer")
        .upstreams(upstream.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .create_repository()
                .domain(DOMAIN)
                .repository("app")
                .send()
                .await
        ),
        "ConflictException"
    );
    let associated = client
        .associate_external_connection()
        .domain(DOMAIN)
        .repository("store")
        .external_connection("public:npmjs")
        .send()
        .await
        .unwrap();
    let connections = associated.repository().unwrap().external_connections();
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].package_format(), Some(&PackageFormat::Npm));
    // One external connection per repository (model docs).
    let second = client
        .associate_external_connection()
        .domain(DOMAIN)
        .repository("store")
        .external_connection("public:pypi")
        .send()
        .await;
    let error = second.unwrap_err();
    assert_eq!(error.code(), Some("ConflictException"));
    assert!(format!("{:?}", error.into_service_error()).contains("resource_type: Some(Repository)"));
    client
        .disassociate_external_connection()
        .domain(DOMAIN)
        .repository("store")
        .external_connection("public:npmjs")
        .send()
        .await
        .unwrap();
    client
        .associate_external_connection()
        .domain(DOMAIN)
        .repository("store")
        .external_connection("public:pypi")
        .send()
        .await
        .unwrap();
    let updated = client
        .update_repository()
        .domain(DOMAIN)
        .repository("app")
        .description("the consumer")
        .upstreams(upstream.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.repository().unwrap().description(),
        Some("the consumer")
    );
    // A cycle app → store → app is refused.
    let cycle = client
        .update_repository()
        .domain(DOMAIN)
        .repository("store")
        .upstreams(
            UpstreamRepository::builder()
                .repository_name("app")
                .build()
                .unwrap(),
        )
        .send()
        .await;
    assert_eq!(code(cycle), "ValidationException");
    let described = client
        .describe_repository()
        .domain(DOMAIN)
        .repository("app")
        .send()
        .await
        .unwrap();
    let app_arn = described.repository().unwrap().arn().unwrap().to_string();
    let in_domain = client
        .list_repositories_in_domain()
        .domain(DOMAIN)
        .administrator_account(ACCOUNT)
        .repository_prefix("ap")
        .send()
        .await
        .unwrap();
    assert_eq!(in_domain.repositories().len(), 1);
    // Account-wide: `app` of acme and of demo.
    let everywhere = client
        .list_repositories()
        .repository_prefix("app")
        .send()
        .await
        .unwrap();
    let domains: BTreeSet<_> = everywhere
        .repositories()
        .iter()
        .filter_map(|r| r.domain_name())
        .collect();
    assert_eq!(domains, BTreeSet::from(["acme", "demo"]));

    // Policies.
    let document = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let put = client
        .put_domain_permissions_policy()
        .domain(DOMAIN)
        .policy_document(document)
        .send()
        .await
        .unwrap();
    let revision = put.policy().unwrap().revision().unwrap().to_string();
    let stale = client
        .put_domain_permissions_policy()
        .domain(DOMAIN)
        .policy_revision("not-the-revision")
        .policy_document(document)
        .send()
        .await;
    assert_eq!(code(stale), "ConflictException");
    let read = client
        .get_domain_permissions_policy()
        .domain(DOMAIN)
        .send()
        .await
        .unwrap();
    assert_eq!(read.policy().unwrap().revision(), Some(revision.as_str()));
    client
        .put_repository_permissions_policy()
        .domain(DOMAIN)
        .repository("app")
        .policy_document(document)
        .send()
        .await
        .unwrap();
    client
        .get_repository_permissions_policy()
        .domain(DOMAIN)
        .repository("app")
        .send()
        .await
        .unwrap();

    // Tags.
    client
        .tag_resource()
        .resource_arn(&domain_arn)
        .tags(tag("cost-center", "42"))
        .tags(tag("team", "security"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&domain_arn)
        .tag_keys("cost-center")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&domain_arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, vec![("team", "security")]);
    let missing = client
        .list_tags_for_resource()
        .resource_arn(format!("{app_arn}-gone"))
        .send()
        .await;
    assert_eq!(code(missing), "ResourceNotFoundException");

    // Token and endpoint.
    let token = client
        .get_authorization_token()
        .domain(DOMAIN)
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert!(token.authorization_token().is_some() && token.expiration().is_some());
    let endpoint = client
        .get_repository_endpoint()
        .domain(DOMAIN)
        .repository("app")
        .format(PackageFormat::Npm)
        .send()
        .await
        .unwrap();
    assert!(endpoint
        .repository_endpoint()
        .unwrap()
        .ends_with(".d.codeartifact.us-east-1.amazonaws.com/npm/app/"));

    // Publish a generic version; the SHA-256 must match the asset.
    let publish = |sha: String, version: &str| {
        client
            .publish_package_version()
            .domain(DOMAIN)
            .repository("app")
            .format(PackageFormat::Generic)
            .namespace(NS)
            .package(PKG)
            .package_version(version)
            .asset_name("cli.sh")
            .asset_sha256(sha)
            .asset_content(ByteStream::from(ASSET.to_vec()))
            .send()
    };
    assert_eq!(
        code(publish("0".repeat(64), "1.0.0").await),
        "ValidationException"
    );
    let published = publish(sha256(ASSET), "1.0.0").await.unwrap();
    assert_eq!(published.status(), Some(&PackageVersionStatus::Published));
    assert_eq!(
        published
            .asset()
            .unwrap()
            .hashes()
            .unwrap()
            .get(&aws_sdk_codeartifact::types::HashAlgorithm::Sha256),
        Some(&sha256(ASSET))
    );
    assert_eq!(
        code(publish(sha256(ASSET), "1.0.0").await),
        "ConflictException"
    );

    // Read it back.
    let packages = client
        .list_packages()
        .domain(DOMAIN)
        .repository("app")
        .send()
        .await
        .unwrap();
    let package = &packages.packages()[0];
    assert_eq!(package.package(), Some(PKG));
    // The documented default for a package first published directly.
    let restrictions = package
        .origin_configuration()
        .unwrap()
        .restrictions()
        .unwrap();
    assert_eq!(restrictions.publish(), &AllowPublish::Allow);
    assert_eq!(restrictions.upstream(), &AllowUpstream::Block);
    macro_rules! on_package {
        ($call:expr, $repository:expr) => {
            $call
                .domain(DOMAIN)
                .repository($repository)
                .format(PackageFormat::Generic)
                .namespace(NS)
                .package(PKG)
        };
    }
    on_package!(client.describe_package(), "app")
        .send()
        .await
        .unwrap();
    let versions = on_package!(client.list_package_versions(), "app")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
    on_package!(client.describe_package_version(), "app")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    let assets = on_package!(client.list_package_version_assets(), "app")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(assets.assets()[0].name(), "cli.sh");
    assert_eq!(assets.assets()[0].size(), Some(ASSET.len() as i64));
    let asset = on_package!(client.get_package_version_asset(), "app")
        .package_version("1.0.0")
        .asset("cli.sh")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.asset_name(), Some("cli.sh"));
    assert_eq!(
        asset.asset.collect().await.unwrap().into_bytes().as_ref(),
        ASSET
    );
    on_package!(client.get_package_version_readme(), "app")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    let dependencies = on_package!(client.list_package_version_dependencies(), "app")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    assert!(dependencies.dependencies().is_empty());

    // Copy keeps the origin: the copy still entered the domain through `app`.
    let copied = client
        .copy_package_versions()
        .domain(DOMAIN)
        .source_repository("app")
        .destination_repository("store")
        .format(PackageFormat::Generic)
        .namespace(NS)
        .package(PKG)
        .versions("1.0.0")
        .versions("9.9.9")
        .send()
        .await
        .unwrap();
    assert!(copied.successful_versions().unwrap().contains_key("1.0.0"));
    assert!(copied.failed_versions().unwrap().contains_key("9.9.9"));
    let copy = on_package!(client.describe_package_version(), "store")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    let origin = copy.package_version().unwrap().origin().unwrap();
    assert_eq!(
        origin.domain_entry_point().unwrap().repository_name(),
        Some("app")
    );
    let again = client
        .copy_package_versions()
        .domain(DOMAIN)
        .source_repository("app")
        .destination_repository("store")
        .format(PackageFormat::Generic)
        .namespace(NS)
        .package(PKG)
        .versions("1.0.0")
        .send()
        .await
        .unwrap();
    assert!(
        again.failed_versions().unwrap().contains_key("1.0.0"),
        "ALREADY_EXISTS without allowOverwrite"
    );

    // Status transitions: Archived is not downloadable, Disposed is final.
    let archive = on_package!(client.update_package_versions_status(), "store")
        .versions("1.0.0")
        .target_status(PackageVersionStatus::Archived)
        .send()
        .await
        .unwrap();
    assert!(archive.successful_versions().unwrap().contains_key("1.0.0"));
    let archived = on_package!(client.get_package_version_asset(), "store")
        .package_version("1.0.0")
        .asset("cli.sh")
        .send()
        .await;
    assert_eq!(code(archived), "ConflictException");
    let to_disposed = on_package!(client.update_package_versions_status(), "store")
        .versions("1.0.0")
        .target_status(PackageVersionStatus::Disposed)
        .send()
        .await;
    assert_eq!(code(to_disposed), "ValidationException");
    let disposed = on_package!(client.dispose_package_versions(), "store")
        .versions("1.0.0")
        .expected_status(PackageVersionStatus::Archived)
        .send()
        .await
        .unwrap();
    let info = &disposed.successful_versions().unwrap()["1.0.0"];
    assert_eq!(info.status(), Some(&PackageVersionStatus::Disposed));
    let revive = on_package!(client.update_package_versions_status(), "store")
        .versions("1.0.0")
        .target_status(PackageVersionStatus::Published)
        .send()
        .await
        .unwrap();
    assert!(
        revive.failed_versions().unwrap().contains_key("1.0.0"),
        "a disposed version stays disposed"
    );
    let deleted = on_package!(client.delete_package_versions(), "app")
        .versions("1.0.0")
        .send()
        .await
        .unwrap();
    assert!(deleted.successful_versions().unwrap().contains_key("1.0.0"));

    // A fix and its undo: a version-less record, then DeletePackage.
    client
        .put_package_origin_configuration()
        .domain(DOMAIN)
        .repository("app")
        .format(PackageFormat::Generic)
        .namespace(NS)
        .package("reserved")
        .restrictions(
            PackageOriginRestrictions::builder()
                .publish(AllowPublish::Block)
                .upstream(AllowUpstream::Block)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .delete_package()
        .domain(DOMAIN)
        .repository("app")
        .format(PackageFormat::Generic)
        .namespace(NS)
        .package("reserved")
        .send()
        .await
        .unwrap();

    // Package groups.
    client
        .create_package_group()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .tags(tag("owner", "tools"))
        .send()
        .await
        .unwrap();
    client
        .describe_package_group()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .send()
        .await
        .unwrap();
    let groups = client
        .list_package_groups()
        .domain(DOMAIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.package_groups().len(),
        2,
        "the root and the new group"
    );
    let renamed = client
        .update_package_group()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .description("in-house tools")
        .send()
        .await
        .unwrap();
    assert_eq!(
        renamed.package_group().unwrap().description(),
        Some("in-house tools")
    );
    client
        .update_package_group_origin_configuration()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .restrictions(Kind::Publish, Mode::Block)
        .send()
        .await
        .unwrap();
    // The group now blocks publishing into every repository.
    assert_eq!(
        code(publish(sha256(ASSET), "2.0.0").await),
        "AccessDeniedException"
    );
    client
        .get_associated_package_group()
        .domain(DOMAIN)
        .format(PackageFormat::Generic)
        .namespace(NS)
        .package(PKG)
        .send()
        .await
        .unwrap();
    client
        .list_allowed_repositories_for_group()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .origin_restriction_type(Kind::Publish)
        .send()
        .await
        .unwrap();
    let children = client
        .list_sub_package_groups()
        .domain(DOMAIN)
        .package_group("/*")
        .send()
        .await
        .unwrap();
    assert_eq!(children.package_groups().len(), 1);
    client
        .list_associated_packages()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .send()
        .await
        .unwrap();
    // `python` and `pypi` name one group, so the second spelling conflicts.
    client
        .create_package_group()
        .domain(DOMAIN)
        .package_group("/pypi//requests$")
        .send()
        .await
        .unwrap();
    let alias = client
        .create_package_group()
        .domain(DOMAIN)
        .package_group("/python//requests$")
        .send()
        .await;
    assert_eq!(code(alias), "ConflictException");
    client
        .delete_package_group()
        .domain(DOMAIN)
        .package_group("/python//requests$")
        .send()
        .await
        .unwrap();
    client
        .delete_package_group()
        .domain(DOMAIN)
        .package_group("/generic/tools/*")
        .send()
        .await
        .unwrap();

    // Teardown, with the rules on the way.
    client
        .delete_repository_permissions_policy()
        .domain(DOMAIN)
        .repository("app")
        .send()
        .await
        .unwrap();
    client
        .delete_domain_permissions_policy()
        .domain(DOMAIN)
        .policy_revision(&revision)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(client.delete_domain().domain(DOMAIN).send().await),
        "ConflictException",
        "a domain with repositories cannot be deleted"
    );
    assert_eq!(
        code(
            client
                .delete_repository()
                .domain(DOMAIN)
                .repository("store")
                .send()
                .await
        ),
        "ConflictException",
        "store is still app's upstream"
    );
    client
        .delete_repository()
        .domain(DOMAIN)
        .repository("app")
        .send()
        .await
        .unwrap();
    client
        .delete_repository()
        .domain(DOMAIN)
        .repository("store")
        .send()
        .await
        .unwrap();
    let gone = client.delete_domain().domain(DOMAIN).send().await.unwrap();
    assert_eq!(gone.domain().unwrap().name(), Some(DOMAIN));
    assert_eq!(
        code(client.describe_domain().domain(DOMAIN).send().await),
        "ResourceNotFoundException"
    );

    check_outputs(&emulator);
}

#[tokio::test]
async fn nuget_versions_are_found_in_any_spelling() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    for spelling in ["13.0.1", "13.0.1.0", "13.0.01", "13.00.1"] {
        let described = client
            .describe_package_version()
            .domain("acme")
            .repository("app")
            .format(PackageFormat::Nuget)
            .package("Newtonsoft.Json")
            .package_version(spelling)
            .send()
            .await
            .unwrap_or_else(|error| panic!("{spelling}: {error:?}"));
        assert_eq!(
            described.package_version().unwrap().version(),
            Some("13.0.1")
        );
    }
}
