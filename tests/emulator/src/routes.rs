//! The operation table: method + path → operation, straight from botocore's `service-2.json`.
//!
//! Several paths carry more than one operation (`/v1/package` is DescribePackage on GET,
//! PutPackageOriginConfiguration on POST and DeletePackage on DELETE), so the method is part of
//! the key.

/// Declares the operations once: the enum, its wire names, routes and read/write kind cannot
/// drift apart.
macro_rules! operations {
    ($($name:ident = ($method:literal, $path:literal, $kind:ident),)+) => {
        /// Every operation of the CodeArtifact API model (48), all served.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Operation {
            $($name,)+
        }

        /// (method, requestUri, operation, is a write), copied from each operation's `http`
        /// member in the model.
        const ROUTES: &[(&str, &str, Operation, bool)] = &[
            $(($method, $path, Operation::$name, operations!(@write $kind)),)+
        ];

        impl Operation {
            /// The model's operation name, which is also the key in the request counters.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name),)+
                }
            }
        }
    };
    (@write write) => { true };
    (@write read) => { false };
}

operations! {
    AssociateExternalConnection = ("POST", "/v1/repository/external-connection", write),
    CopyPackageVersions = ("POST", "/v1/package/versions/copy", write),
    CreateDomain = ("POST", "/v1/domain", write),
    CreatePackageGroup = ("POST", "/v1/package-group", write),
    CreateRepository = ("POST", "/v1/repository", write),
    DeleteDomain = ("DELETE", "/v1/domain", write),
    DeleteDomainPermissionsPolicy = ("DELETE", "/v1/domain/permissions/policy", write),
    DeletePackage = ("DELETE", "/v1/package", write),
    DeletePackageGroup = ("DELETE", "/v1/package-group", write),
    DeletePackageVersions = ("POST", "/v1/package/versions/delete", write),
    DeleteRepository = ("DELETE", "/v1/repository", write),
    DeleteRepositoryPermissionsPolicy = ("DELETE", "/v1/repository/permissions/policies", write),
    DescribeDomain = ("GET", "/v1/domain", read),
    DescribePackage = ("GET", "/v1/package", read),
    DescribePackageGroup = ("GET", "/v1/package-group", read),
    DescribePackageVersion = ("GET", "/v1/package/version", read),
    DescribeRepository = ("GET", "/v1/repository", read),
    DisassociateExternalConnection = ("DELETE", "/v1/repository/external-connection", write),
    DisposePackageVersions = ("POST", "/v1/package/versions/dispose", write),
    GetAssociatedPackageGroup = ("GET", "/v1/get-associated-package-group", read),
    GetAuthorizationToken = ("POST", "/v1/authorization-token", read),
    GetDomainPermissionsPolicy = ("GET", "/v1/domain/permissions/policy", read),
    GetPackageVersionAsset = ("GET", "/v1/package/version/asset", read),
    GetPackageVersionReadme = ("GET", "/v1/package/version/readme", read),
    GetRepositoryEndpoint = ("GET", "/v1/repository/endpoint", read),
    GetRepositoryPermissionsPolicy = ("GET", "/v1/repository/permissions/policy", read),
    ListAllowedRepositoriesForGroup = ("GET", "/v1/package-group-allowed-repositories", read),
    ListAssociatedPackages = ("GET", "/v1/list-associated-packages", read),
    ListDomains = ("POST", "/v1/domains", read),
    ListPackageGroups = ("POST", "/v1/package-groups", read),
    ListPackageVersionAssets = ("POST", "/v1/package/version/assets", read),
    ListPackageVersionDependencies = ("POST", "/v1/package/version/dependencies", read),
    ListPackageVersions = ("POST", "/v1/package/versions", read),
    ListPackages = ("POST", "/v1/packages", read),
    ListRepositories = ("POST", "/v1/repositories", read),
    ListRepositoriesInDomain = ("POST", "/v1/domain/repositories", read),
    ListSubPackageGroups = ("POST", "/v1/package-groups/sub-groups", read),
    ListTagsForResource = ("POST", "/v1/tags", read),
    PublishPackageVersion = ("POST", "/v1/package/version/publish", write),
    PutDomainPermissionsPolicy = ("PUT", "/v1/domain/permissions/policy", write),
    PutPackageOriginConfiguration = ("POST", "/v1/package", write),
    PutRepositoryPermissionsPolicy = ("PUT", "/v1/repository/permissions/policy", write),
    TagResource = ("POST", "/v1/tag", write),
    UntagResource = ("POST", "/v1/untag", write),
    UpdatePackageGroup = ("PUT", "/v1/package-group", write),
    UpdatePackageGroupOriginConfiguration = ("PUT", "/v1/package-group-origin-configuration", write),
    UpdatePackageVersionsStatus = ("POST", "/v1/package/versions/update_status", write),
    UpdateRepository = ("PUT", "/v1/repository", write),
}

impl Operation {
    /// The operation at `method` + `path`; a trailing slash is tolerated for people using curl.
    pub fn route(method: &str, path: &str) -> Option<Operation> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        ROUTES
            .iter()
            .find(|(m, p, _, _)| *m == method && *p == path)
            .map(|(_, _, operation, _)| *operation)
    }

    /// Writes are what `fail_writes_after` counts: every operation that changes state.
    pub fn is_write(self) -> bool {
        ROUTES
            .iter()
            .any(|(_, _, operation, write)| *operation == self && *write)
    }

    /// Every operation, in table order.
    pub fn all() -> impl Iterator<Item = Operation> {
        ROUTES.iter().map(|(_, _, operation, _)| *operation)
    }
}

#[cfg(test)]
mod tests {
    use super::Operation::*;
    use super::*;

    #[test]
    fn method_is_part_of_the_key() {
        assert_eq!(
            Operation::route("GET", "/v1/package"),
            Some(DescribePackage)
        );
        assert_eq!(
            Operation::route("POST", "/v1/package"),
            Some(PutPackageOriginConfiguration)
        );
        assert_eq!(
            Operation::route("DELETE", "/v1/package"),
            Some(DeletePackage)
        );
        assert_eq!(Operation::route("PATCH", "/v1/package"), None);
        assert_eq!(
            Operation::route("POST", "/v1/package-group"),
            Some(CreatePackageGroup)
        );
        assert_eq!(
            Operation::route("DELETE", "/v1/package-group/"),
            Some(DeletePackageGroup)
        );
        assert_eq!(Operation::route("GET", "/"), None);
    }

    #[test]
    fn every_operation_of_the_model_once() {
        assert_eq!(Operation::all().count(), 48);
        let mut keys: Vec<_> = ROUTES.iter().map(|(m, p, _, _)| (*m, *p)).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 48, "two operations share a method + path");
        assert!(PublishPackageVersion.is_write());
        assert!(!ListRepositories.is_write());
    }
}
