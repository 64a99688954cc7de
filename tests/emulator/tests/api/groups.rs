//! Package-group reads: computed parents, effective modes, association.

use crate::world::{acme, client, start};
use aws_sdk_codeartifact::types::{
    PackageFormat, PackageGroupAssociationType, PackageGroupDescription,
    PackageGroupOriginRestrictionMode as Mode, PackageGroupOriginRestrictionType as Kind,
};
use codeartifact_emulator::Options;

/// (mode, effectiveMode, inheritedFrom pattern, repositoriesCount) of one restriction.
pub fn restriction(
    group: &PackageGroupDescription,
    kind: Kind,
) -> (Mode, Mode, Option<String>, Option<i64>) {
    let restrictions = group
        .origin_configuration()
        .unwrap()
        .restrictions()
        .unwrap();
    let restriction = &restrictions[&kind];
    (
        restriction.mode().unwrap().clone(),
        restriction.effective_mode().unwrap().clone(),
        restriction
            .inherited_from()
            .and_then(|r| r.pattern())
            .map(str::to_string),
        restriction.repositories_count(),
    )
}

pub fn parent(group: &PackageGroupDescription) -> Option<&str> {
    group.parent().and_then(|p| p.pattern())
}

#[tokio::test]
async fn list_and_describe_compute_the_tree() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    let listed = client
        .list_package_groups()
        .domain("acme")
        .send()
        .await
        .unwrap();
    let patterns: Vec<_> = listed
        .package_groups()
        .iter()
        .filter_map(|g| g.pattern())
        .collect();
    assert_eq!(
        patterns,
        ["/*", "/npm/*", "/npm/acme/*", "/pypi//acme-lib$"]
    );
    let npm_only = client
        .list_package_groups()
        .domain("acme")
        .prefix("/npm")
        .send()
        .await
        .unwrap();
    assert_eq!(npm_only.package_groups().len(), 2);

    let describe = |pattern: &'static str| {
        let client = client.clone();
        async move {
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
    };
    let root = describe("/*").await;
    assert_eq!(parent(&root), None);
    assert_eq!(
        restriction(&root, Kind::Publish),
        (Mode::Allow, Mode::Allow, None, Some(0))
    );

    let npm = describe("/npm/*").await;
    assert_eq!(parent(&npm), Some("/*"));
    // The parent reference carries the stored ARN of the root.
    assert_eq!(
        npm.parent().unwrap().arn(),
        Some("arn:aws:codeartifact:us-east-1:111122223333:package-group/acme/%2F%2A")
    );
    assert_eq!(npm.description(), Some("all npm"));
    assert_eq!(npm.contact_info(), Some("sec@acme.example"));
    assert_eq!(
        restriction(&npm, Kind::ExternalUpstream),
        (
            Mode::AllowSpecificRepositories,
            Mode::AllowSpecificRepositories,
            None,
            Some(1)
        )
    );
    assert_eq!(
        restriction(&npm, Kind::InternalUpstream),
        (Mode::Inherit, Mode::Allow, Some("/*".into()), Some(0))
    );
    // A computed ARN for a group that stores none: the percent-encoded pattern.
    assert_eq!(
        npm.arn(),
        Some("arn:aws:codeartifact:us-east-1:111122223333:package-group/acme/%2Fnpm%2F%2A")
    );

    let scope = describe("/npm/acme/*").await;
    assert_eq!(parent(&scope), Some("/npm/*"));
    assert_eq!(restriction(&scope, Kind::Publish).1, Mode::Allow);
    assert_eq!(restriction(&scope, Kind::ExternalUpstream).1, Mode::Block);
    assert_eq!(
        restriction(&scope, Kind::InternalUpstream),
        (Mode::Inherit, Mode::Allow, Some("/*".into()), Some(0)),
        "INHERIT chains through /npm/* (also INHERIT) to the root"
    );

    let exact = describe("/pypi//acme-lib$").await;
    assert_eq!(parent(&exact), Some("/*"));
    assert_eq!(restriction(&exact, Kind::Publish).2.as_deref(), Some("/*"));

    // A domain without groups still has the root, all ALLOW.
    let beta = client
        .list_package_groups()
        .domain("beta")
        .send()
        .await
        .unwrap();
    assert_eq!(beta.package_groups().len(), 1);
    let implicit = &beta.package_groups()[0];
    assert_eq!(implicit.pattern(), Some("/*"));
    assert_eq!(implicit.domain_owner(), Some("999988887777"));
    let restrictions = implicit
        .origin_configuration()
        .unwrap()
        .restrictions()
        .unwrap();
    for kind in [
        Kind::Publish,
        Kind::ExternalUpstream,
        Kind::InternalUpstream,
    ] {
        assert_eq!(restrictions[&kind].effective_mode(), Some(&Mode::Allow));
    }
}

#[tokio::test]
async fn association_sub_groups_and_allowed_repositories() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    let associated =
        |format: PackageFormat, namespace: Option<&'static str>, name: &'static str| {
            let client = client.clone();
            async move {
                let output = client
                    .get_associated_package_group()
                    .domain("acme")
                    .format(format)
                    .set_namespace(namespace.map(str::to_string))
                    .package(name)
                    .send()
                    .await
                    .unwrap();
                (
                    output
                        .package_group()
                        .and_then(|g| g.pattern())
                        .unwrap_or_default()
                        .to_string(),
                    output.association_type().cloned(),
                )
            }
        };
    let strong = Some(PackageGroupAssociationType::Strong);
    assert_eq!(
        associated(PackageFormat::Npm, Some("acme"), "ui").await,
        ("/npm/acme/*".into(), strong.clone())
    );
    assert_eq!(
        associated(PackageFormat::Npm, None, "left-pad").await,
        ("/npm/*".into(), strong.clone())
    );
    assert_eq!(
        associated(PackageFormat::Pypi, None, "acme-lib").await,
        ("/pypi//acme-lib$".into(), strong.clone())
    );
    assert_eq!(
        associated(PackageFormat::Maven, Some("com.acme"), "core").await,
        ("/*".into(), strong.clone())
    );
    // The package need not exist anywhere.
    assert_eq!(
        associated(PackageFormat::Npm, Some("acme"), "not-yet")
            .await
            .0,
        "/npm/acme/*"
    );
    // A variant spelling of an exact pattern is a weak match.
    assert_eq!(
        associated(PackageFormat::Pypi, None, "acme.lib").await,
        (
            "/pypi//acme-lib$".into(),
            Some(PackageGroupAssociationType::Weak)
        )
    );

    let children = |pattern: &'static str| {
        let client = client.clone();
        async move {
            client
                .list_sub_package_groups()
                .domain("acme")
                .package_group(pattern)
                .send()
                .await
                .unwrap()
                .package_groups()
                .iter()
                .filter_map(|g| g.pattern().map(str::to_string))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(children("/*").await, ["/npm/*", "/pypi//acme-lib$"]);
    assert_eq!(children("/npm/*").await, ["/npm/acme/*"]);
    assert!(children("/npm/acme/*").await.is_empty());

    let allowed = |kind: Kind| {
        let client = client.clone();
        async move {
            client
                .list_allowed_repositories_for_group()
                .domain("acme")
                .package_group("/npm/*")
                .origin_restriction_type(kind)
                .send()
                .await
                .unwrap()
                .allowed_repositories()
                .to_vec()
        }
    };
    assert_eq!(allowed(Kind::ExternalUpstream).await, ["npm-store"]);
    assert!(allowed(Kind::Publish).await.is_empty());

    let packages = client
        .list_associated_packages()
        .domain("acme")
        .package_group("/npm/acme/*")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = packages
        .packages()
        .iter()
        .filter_map(|p| p.package())
        .collect();
    assert_eq!(names, ["ui"]);
    let preview = client
        .list_associated_packages()
        .domain("acme")
        .package_group("/npm/acmecorp/*")
        .preview(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = preview
        .packages()
        .iter()
        .filter_map(|p| p.package())
        .collect();
    assert_eq!(names, ["tools"]);
}
