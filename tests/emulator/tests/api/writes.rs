//! Every write through the SDK, each followed by reads that show it.

use crate::groups::{parent, restriction};
use crate::world::{acme, client, client_no_retry, start};
use aws_sdk_codeartifact::types::{
    AllowPublish, AllowUpstream, PackageFormat, PackageGroupAllowedRepository,
    PackageGroupAllowedRepositoryUpdateType, PackageGroupOriginRestrictionMode as Mode,
    PackageGroupOriginRestrictionType as Kind, PackageOriginRestrictions,
};
use aws_sdk_codeartifact::Client;
use codeartifact_emulator::Options;

fn block_both() -> PackageOriginRestrictions {
    PackageOriginRestrictions::builder()
        .publish(AllowPublish::Block)
        .upstream(AllowUpstream::Block)
        .build()
        .unwrap()
}

#[tokio::test]
async fn put_package_origin_configuration() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    // An existing package: the new restrictions show in DescribePackage and ListPackages.
    let output = client
        .put_package_origin_configuration()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .restrictions(block_both())
        .send()
        .await
        .unwrap();
    let echoed = output
        .origin_configuration()
        .unwrap()
        .restrictions()
        .unwrap();
    assert_eq!(echoed.upstream(), &AllowUpstream::Block);
    let described = client
        .describe_package()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .send()
        .await
        .unwrap();
    let restrictions = described
        .package()
        .unwrap()
        .origin_configuration()
        .unwrap()
        .restrictions()
        .unwrap();
    assert_eq!(restrictions.publish(), &AllowPublish::Block);
    let blocked = client
        .list_packages()
        .domain("acme")
        .repository("app")
        .upstream(AllowUpstream::Block)
        .publish(AllowPublish::Block)
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.packages()[0].package(), Some("ui"));

    // A missing package: created without versions, as AWS does, in that repository only.
    client
        .put_package_origin_configuration()
        .domain("acme")
        .repository("npm-store")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("secret-sauce")
        .restrictions(block_both())
        .send()
        .await
        .unwrap();
    let listed = client
        .list_packages()
        .domain("acme")
        .repository("npm-store")
        .namespace("acme")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.packages().len(), 1);
    assert_eq!(listed.packages()[0].package(), Some("secret-sauce"));
    let versions = client
        .list_package_versions()
        .domain("acme")
        .repository("npm-store")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("secret-sauce")
        .send()
        .await
        .unwrap();
    assert!(versions.versions().is_empty());
    assert_eq!(versions.default_display_version(), None);

    // NuGet names are stored normalized.
    client
        .put_package_origin_configuration()
        .domain("acme")
        .repository("npm-store")
        .format(PackageFormat::Nuget)
        .package("Acme.Internal")
        .restrictions(block_both())
        .send()
        .await
        .unwrap();
    let state = emulator.inventory();
    let store = &state.domains[0].repositories[2];
    assert!(store
        .packages
        .iter()
        .any(|p| p.package.package.as_deref() == Some("acme.internal")));
    assert_eq!(emulator.count("PutPackageOriginConfiguration"), 3);
}

async fn describe(
    client: &Client,
    pattern: &str,
) -> aws_sdk_codeartifact::types::PackageGroupDescription {
    client
        .describe_package_group()
        .domain("acme")
        .package_group(pattern)
        .send()
        .await
        .unwrap()
        .package_group
        .unwrap()
}

#[tokio::test]
async fn create_update_delete_package_groups() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    // Create: a child of /npm/acme/*, every mode INHERIT, effective modes from its ancestors.
    let created = client
        .create_package_group()
        .domain("acme")
        .package_group("/npm/acme/ui$")
        .contact_info("ui-team@acme.example")
        .description("the UI kit")
        .send()
        .await
        .unwrap();
    let group = created.package_group().unwrap();
    assert_eq!(group.pattern(), Some("/npm/acme/ui$"));
    assert_eq!(parent(group), Some("/npm/acme/*"));
    assert_eq!(
        restriction(group, Kind::ExternalUpstream),
        (
            Mode::Inherit,
            Mode::Block,
            Some("/npm/acme/*".into()),
            Some(0)
        )
    );
    assert!(group.created_time().is_some());
    let associated = client
        .get_associated_package_group()
        .domain("acme")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .send()
        .await
        .unwrap();
    assert_eq!(
        associated.package_group().unwrap().pattern(),
        Some("/npm/acme/ui$")
    );
    let duplicate = client
        .create_package_group()
        .domain("acme")
        .package_group("/npm/acme/ui$")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(duplicate.is_conflict_exception(), "{duplicate:?}");
    let invalid = client
        .create_package_group()
        .domain("acme")
        .package_group("npm/no-leading-slash")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(invalid.is_validation_exception(), "{invalid:?}");

    // Update a parent: the child's inherited value follows.
    let updated = client
        .update_package_group_origin_configuration()
        .domain("acme")
        .package_group("/npm/acme/*")
        .restrictions(Kind::ExternalUpstream, Mode::AllowSpecificRepositories)
        .add_allowed_repositories(
            PackageGroupAllowedRepository::builder()
                .repository_name("npm-store")
                .origin_restriction_type(Kind::ExternalUpstream)
                .build(),
        )
        .add_allowed_repositories(
            PackageGroupAllowedRepository::builder()
                .repository_name("internal")
                .origin_restriction_type(Kind::ExternalUpstream)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        restriction(updated.package_group().unwrap(), Kind::ExternalUpstream),
        (
            Mode::AllowSpecificRepositories,
            Mode::AllowSpecificRepositories,
            None,
            Some(2)
        )
    );
    let updates = updated.allowed_repository_updates().unwrap();
    assert_eq!(
        updates[&Kind::ExternalUpstream][&PackageGroupAllowedRepositoryUpdateType::Added],
        ["npm-store", "internal"]
    );
    let child = describe(&client, "/npm/acme/ui$").await;
    assert_eq!(
        restriction(&child, Kind::ExternalUpstream).1,
        Mode::AllowSpecificRepositories
    );

    let removed = client
        .update_package_group_origin_configuration()
        .domain("acme")
        .package_group("/npm/acme/*")
        .remove_allowed_repositories(
            PackageGroupAllowedRepository::builder()
                .repository_name("internal")
                .origin_restriction_type(Kind::ExternalUpstream)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let updates = removed.allowed_repository_updates().unwrap();
    assert_eq!(
        updates[&Kind::ExternalUpstream][&PackageGroupAllowedRepositoryUpdateType::Removed],
        ["internal"]
    );
    let allowed = client
        .list_allowed_repositories_for_group()
        .domain("acme")
        .package_group("/npm/acme/*")
        .origin_restriction_type(Kind::ExternalUpstream)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.allowed_repositories(), ["npm-store"]);
    let unknown_repository = client
        .update_package_group_origin_configuration()
        .domain("acme")
        .package_group("/npm/acme/*")
        .add_allowed_repositories(
            PackageGroupAllowedRepository::builder()
                .repository_name("nowhere")
                .origin_restriction_type(Kind::Publish)
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(unknown_repository.is_resource_not_found_exception());

    // Delete the middle group: its child is re-parented and inherits from further up.
    let deleted = client
        .delete_package_group()
        .domain("acme")
        .package_group("/npm/acme/*")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.package_group().unwrap().pattern(),
        Some("/npm/acme/*")
    );
    let child = describe(&client, "/npm/acme/ui$").await;
    assert_eq!(parent(&child), Some("/npm/*"));
    assert_eq!(
        restriction(&child, Kind::ExternalUpstream),
        (
            Mode::Inherit,
            Mode::AllowSpecificRepositories,
            Some("/npm/*".into()),
            Some(0)
        )
    );
    let subgroups = client
        .list_sub_package_groups()
        .domain("acme")
        .package_group("/npm/*")
        .send()
        .await
        .unwrap();
    let patterns: Vec<_> = subgroups
        .package_groups()
        .iter()
        .filter_map(|g| g.pattern())
        .collect();
    assert_eq!(patterns, ["/npm/acme/ui$"]);
    let gone = client
        .describe_package_group()
        .domain("acme")
        .package_group("/npm/acme/*")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception());
    let root = client
        .delete_package_group()
        .domain("acme")
        .package_group("/*")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        root.is_validation_exception(),
        "the root cannot be deleted: {root:?}"
    );

    // The dumped state reads like a fresh collection: computed members refreshed.
    let state = emulator.inventory();
    let stored = state.domains[0]
        .package_groups
        .iter()
        .find(|g| g.group.parent.as_ref().and_then(|p| p.pattern.as_deref()) == Some("/npm/*"))
        .unwrap();
    assert_eq!(stored.group.pattern.as_deref(), Some("/npm/acme/ui$"));
}

#[tokio::test]
async fn implicit_root_becomes_explicit_when_changed() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    let before = client
        .list_package_groups()
        .domain("beta")
        .send()
        .await
        .unwrap();
    assert_eq!(before.package_groups().len(), 1);
    assert!(emulator.inventory().domains[1].package_groups.is_empty());

    client
        .update_package_group_origin_configuration()
        .domain("beta")
        .package_group("/*")
        .restrictions(Kind::ExternalUpstream, Mode::Block)
        .send()
        .await
        .unwrap();
    let root = client
        .describe_package_group()
        .domain("beta")
        .package_group("/*")
        .send()
        .await
        .unwrap();
    let root = root.package_group().unwrap();
    assert_eq!(restriction(root, Kind::ExternalUpstream).1, Mode::Block);
    assert_eq!(restriction(root, Kind::Publish).1, Mode::Allow);
    assert_eq!(emulator.inventory().domains[1].package_groups.len(), 1);

    let inherit = client
        .update_package_group_origin_configuration()
        .domain("beta")
        .package_group("/*")
        .restrictions(Kind::Publish, Mode::Inherit)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(inherit.is_validation_exception());
}

#[tokio::test]
async fn fail_writes_after_lets_n_writes_through() {
    let options = Options {
        fail_writes_after: Some(2),
        ..Options::default()
    };
    let emulator = start(acme(), options).await;
    let client = client_no_retry(&emulator);
    let create = |pattern: &'static str| {
        let client = client.clone();
        async move {
            client
                .create_package_group()
                .domain("acme")
                .package_group(pattern)
                .send()
                .await
        }
    };
    create("/npm/one/*").await.unwrap();
    create("/npm/two/*").await.unwrap();
    let third = create("/npm/three/*")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(third.is_internal_server_exception(), "{third:?}");
    // Reads still work, and the failed write changed nothing.
    let listed = client
        .list_package_groups()
        .domain("acme")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.package_groups().len(), 6);
    assert_eq!(emulator.count("CreatePackageGroup"), 3);
}
