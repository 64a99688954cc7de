//! Every read operation through the SDK, with typed results.

use crate::world::{acme, client, start, ACCOUNT};
use aws_sdk_codeartifact::types::{
    AllowPublish, AllowUpstream, DomainStatus, ExternalConnectionStatus, PackageFormat,
    PackageVersionOriginType, PackageVersionSortType, PackageVersionStatus,
};
use codeartifact_emulator::Options;

#[tokio::test]
async fn domains() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    let listed = client.list_domains().send().await.unwrap();
    let names: Vec<_> = listed.domains().iter().filter_map(|d| d.name()).collect();
    assert_eq!(names, ["acme", "beta"]);
    let first = &listed.domains()[0];
    assert_eq!(first.owner(), Some(ACCOUNT));
    assert_eq!(first.status(), Some(&DomainStatus::Active));
    assert_eq!(
        first.created_time().map(|t| t.as_secs_f64()),
        Some(1700000000.5)
    );
    assert_eq!(listed.next_token(), None);

    let paged = client.list_domains().max_results(1).send().await.unwrap();
    assert_eq!(paged.domains().len(), 1);
    let rest = client
        .list_domains()
        .max_results(1)
        .next_token(paged.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.domains()[0].name(), Some("beta"));

    let described = client
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
    let domain = described.domain().unwrap();
    assert_eq!(domain.repository_count(), 3);
    assert_eq!(domain.asset_size_bytes(), 1234);
    assert_eq!(domain.s3_bucket_arn(), Some("arn:aws:s3:::assets"));
    // Owner given and matching; the computed ARN for a domain that stores none.
    let beta = client
        .describe_domain()
        .domain("beta")
        .domain_owner("999988887777")
        .send()
        .await
        .unwrap();
    assert_eq!(
        beta.domain().unwrap().arn(),
        Some("arn:aws:codeartifact:us-east-1:999988887777:domain/beta")
    );

    let policy = client
        .get_domain_permissions_policy()
        .domain("acme")
        .send()
        .await
        .unwrap();
    let policy = policy.policy().unwrap();
    assert_eq!(policy.revision(), Some("d1"));
    assert!(policy.document().unwrap().contains("2012-10-17"));
}

#[tokio::test]
async fn repositories() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);

    let listed = client
        .list_repositories_in_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed
        .repositories()
        .iter()
        .filter_map(|r| r.name())
        .collect();
    assert_eq!(names, ["app", "internal", "npm-store"]);
    let store = &listed.repositories()[2];
    assert_eq!(store.domain_name(), Some("acme"));
    assert_eq!(
        store.arn(),
        Some("arn:aws:codeartifact:us-east-1:111122223333:repository/acme/npm-store")
    );

    let prefixed = client
        .list_repositories_in_domain()
        .domain("acme")
        .repository_prefix("npm")
        .send()
        .await
        .unwrap();
    assert_eq!(prefixed.repositories().len(), 1);
    let administered = client
        .list_repositories_in_domain()
        .domain("acme")
        .administrator_account("444455556666")
        .send()
        .await
        .unwrap();
    assert_eq!(administered.repositories()[0].name(), Some("internal"));

    let app = client
        .describe_repository()
        .domain("acme")
        .repository("app")
        .send()
        .await
        .unwrap();
    let app = app.repository().unwrap();
    let upstreams: Vec<_> = app
        .upstreams()
        .iter()
        .filter_map(|u| u.repository_name())
        .collect();
    assert_eq!(upstreams, ["internal", "npm-store"], "search order kept");
    assert_eq!(app.description(), Some("consumer"));

    let store = client
        .describe_repository()
        .domain("acme")
        .repository("npm-store")
        .send()
        .await
        .unwrap();
    let connection = &store.repository().unwrap().external_connections()[0];
    assert_eq!(connection.external_connection_name(), Some("public:npmjs"));
    assert_eq!(connection.package_format(), Some(&PackageFormat::Npm));
    assert_eq!(
        connection.status(),
        Some(&ExternalConnectionStatus::Available)
    );

    let policy = client
        .get_repository_permissions_policy()
        .domain("acme")
        .repository("app")
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policy().unwrap().revision(), Some("r1"));
}

#[tokio::test]
async fn packages_and_filters() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    let list = || client.list_packages().domain("acme").repository("app");
    let names = |output: aws_sdk_codeartifact::operation::list_packages::ListPackagesOutput| {
        output
            .packages()
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.namespace().unwrap_or(""),
                    p.package().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
    };

    assert_eq!(list().send().await.unwrap().packages().len(), 6);
    // `namespace` is a prefix filter.
    assert_eq!(
        names(list().namespace("acme").send().await.unwrap()),
        ["acme/ui", "acmecorp/tools"]
    );
    assert_eq!(
        names(list().package_prefix("left").send().await.unwrap()),
        ["/left-pad"]
    );
    assert_eq!(
        names(list().format(PackageFormat::Pypi).send().await.unwrap()),
        ["/acme-lib"]
    );
    assert_eq!(
        names(list().upstream(AllowUpstream::Allow).send().await.unwrap()),
        ["acme/ui", "/left-pad", "/newtonsoft.json"]
    );
    assert_eq!(
        names(
            list()
                .publish(AllowPublish::Block)
                .upstream(AllowUpstream::Allow)
                .send()
                .await
                .unwrap()
        ),
        ["/left-pad", "/newtonsoft.json"]
    );
    let all = list().send().await.unwrap();
    let ui = &all.packages()[0];
    let restrictions = ui.origin_configuration().unwrap().restrictions().unwrap();
    assert_eq!(restrictions.publish(), &AllowPublish::Allow);
    // Packages from before origin controls have no originConfiguration.
    assert!(all.packages()[5].origin_configuration().is_none());

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
    let package = described.package().unwrap();
    assert_eq!(package.name(), Some("ui"));
    assert_eq!(package.namespace(), Some("acme"));

    // NuGet input is normalized by the service.
    let nuget = client
        .describe_package()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Nuget)
        .package("Newtonsoft.Json")
        .send()
        .await
        .unwrap();
    assert_eq!(nuget.package().unwrap().name(), Some("newtonsoft.json"));
    // PyPI input is not: only the stored normalized name is found.
    let pypi = client
        .describe_package()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Pypi)
        .package("Acme_Lib")
        .send()
        .await
        .unwrap_err();
    assert!(pypi.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn package_versions() {
    let emulator = start(acme(), Options::default()).await;
    let client = client(&emulator);
    let list = || {
        client
            .list_package_versions()
            .domain("acme")
            .repository("app")
            .format(PackageFormat::Npm)
            .namespace("acme")
            .package("ui")
    };
    let versions = |output: &aws_sdk_codeartifact::operation::list_package_versions::ListPackageVersionsOutput| {
        output.versions().iter().map(|v| v.version().to_string()).collect::<Vec<_>>()
    };

    let all = list().send().await.unwrap();
    assert_eq!(
        versions(&all),
        ["0.9.0", "1.0.0", "1.1.0", "1.2.0-rc"],
        "every status without a filter"
    );
    assert_eq!(all.default_display_version(), Some("1.1.0"));
    assert_eq!(all.format(), Some(&PackageFormat::Npm));
    assert_eq!(all.namespace(), Some("acme"));
    assert_eq!(all.package(), Some("ui"));
    let external = &all.versions()[2];
    assert_eq!(external.status(), &PackageVersionStatus::Published);
    let origin = external.origin().unwrap();
    assert_eq!(
        origin.origin_type(),
        Some(&PackageVersionOriginType::External)
    );
    assert_eq!(
        origin
            .domain_entry_point()
            .unwrap()
            .external_connection_name(),
        Some("public:npmjs")
    );

    let published = list()
        .status(PackageVersionStatus::Published)
        .send()
        .await
        .unwrap();
    assert_eq!(versions(&published), ["1.0.0", "1.1.0"]);
    let internal = list()
        .origin_type(PackageVersionOriginType::Internal)
        .send()
        .await
        .unwrap();
    assert_eq!(versions(&internal), ["0.9.0", "1.0.0"]);
    let sorted = list()
        .sort_by(PackageVersionSortType::PublishedTime)
        .send()
        .await
        .unwrap();
    assert_eq!(versions(&sorted), versions(&all));

    // Paging repeats the package keys on every page.
    let first = list().max_results(3).send().await.unwrap();
    assert_eq!(first.versions().len(), 3);
    let second = list()
        .max_results(3)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(versions(&second), ["1.2.0-rc"]);
    assert_eq!(second.package(), Some("ui"));
    assert_eq!(second.next_token(), None);

    let described = client
        .describe_package_version()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .package_version("1.0.0")
        .send()
        .await
        .unwrap();
    let version = described.package_version().unwrap();
    assert_eq!(version.package_name(), Some("ui"));
    assert_eq!(version.display_name(), Some("@acme/ui"));
    assert_eq!(version.version(), Some("1.0.0"));
    assert_eq!(version.revision(), Some("rev-1.0.0"));
    assert_eq!(version.status(), Some(&PackageVersionStatus::Published));
    assert_eq!(
        version
            .origin()
            .unwrap()
            .domain_entry_point()
            .unwrap()
            .repository_name(),
        Some("app")
    );

    let missing = client
        .describe_package_version()
        .domain("acme")
        .repository("app")
        .format(PackageFormat::Npm)
        .namespace("acme")
        .package("ui")
        .package_version("9.9.9")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception());
}
