//! The operation table: method + path → operation, straight from botocore's `service-2.json`.
//!
//! Several paths carry more than one operation (`/v1/package` is DescribePackage on GET and
//! PutPackageOriginConfiguration on POST), so the method is part of the key.

/// The operations this emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    ListDomains,
    DescribeDomain,
    GetDomainPermissionsPolicy,
    ListRepositoriesInDomain,
    DescribeRepository,
    GetRepositoryPermissionsPolicy,
    ListPackages,
    DescribePackage,
    ListPackageVersions,
    DescribePackageVersion,
    ListPackageGroups,
    DescribePackageGroup,
    GetAssociatedPackageGroup,
    ListAllowedRepositoriesForGroup,
    ListSubPackageGroups,
    ListAssociatedPackages,
    PutPackageOriginConfiguration,
    UpdatePackageGroupOriginConfiguration,
    CreatePackageGroup,
    DeletePackageGroup,
}

use Operation::*;

/// (method, requestUri, operation), copied from each operation's `http` member in the model.
const ROUTES: &[(&str, &str, Operation)] = &[
    ("POST", "/v1/domains", ListDomains),
    ("GET", "/v1/domain", DescribeDomain),
    (
        "GET",
        "/v1/domain/permissions/policy",
        GetDomainPermissionsPolicy,
    ),
    ("POST", "/v1/domain/repositories", ListRepositoriesInDomain),
    ("GET", "/v1/repository", DescribeRepository),
    (
        "GET",
        "/v1/repository/permissions/policy",
        GetRepositoryPermissionsPolicy,
    ),
    ("POST", "/v1/packages", ListPackages),
    ("GET", "/v1/package", DescribePackage),
    ("POST", "/v1/package/versions", ListPackageVersions),
    ("GET", "/v1/package/version", DescribePackageVersion),
    ("POST", "/v1/package-groups", ListPackageGroups),
    ("GET", "/v1/package-group", DescribePackageGroup),
    (
        "GET",
        "/v1/get-associated-package-group",
        GetAssociatedPackageGroup,
    ),
    (
        "GET",
        "/v1/package-group-allowed-repositories",
        ListAllowedRepositoriesForGroup,
    ),
    (
        "POST",
        "/v1/package-groups/sub-groups",
        ListSubPackageGroups,
    ),
    (
        "GET",
        "/v1/list-associated-packages",
        ListAssociatedPackages,
    ),
    ("POST", "/v1/package", PutPackageOriginConfiguration),
    (
        "PUT",
        "/v1/package-group-origin-configuration",
        UpdatePackageGroupOriginConfiguration,
    ),
    ("POST", "/v1/package-group", CreatePackageGroup),
    ("DELETE", "/v1/package-group", DeletePackageGroup),
];

impl Operation {
    /// The operation at `method` + `path`; a trailing slash is tolerated for people using curl.
    pub fn route(method: &str, path: &str) -> Option<Operation> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        ROUTES
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .map(|(_, _, operation)| *operation)
    }

    /// The model's operation name, which is also the key in the request counters.
    pub fn name(self) -> &'static str {
        match self {
            ListDomains => "ListDomains",
            DescribeDomain => "DescribeDomain",
            GetDomainPermissionsPolicy => "GetDomainPermissionsPolicy",
            ListRepositoriesInDomain => "ListRepositoriesInDomain",
            DescribeRepository => "DescribeRepository",
            GetRepositoryPermissionsPolicy => "GetRepositoryPermissionsPolicy",
            ListPackages => "ListPackages",
            DescribePackage => "DescribePackage",
            ListPackageVersions => "ListPackageVersions",
            DescribePackageVersion => "DescribePackageVersion",
            ListPackageGroups => "ListPackageGroups",
            DescribePackageGroup => "DescribePackageGroup",
            GetAssociatedPackageGroup => "GetAssociatedPackageGroup",
            ListAllowedRepositoriesForGroup => "ListAllowedRepositoriesForGroup",
            ListSubPackageGroups => "ListSubPackageGroups",
            ListAssociatedPackages => "ListAssociatedPackages",
            PutPackageOriginConfiguration => "PutPackageOriginConfiguration",
            UpdatePackageGroupOriginConfiguration => "UpdatePackageGroupOriginConfiguration",
            CreatePackageGroup => "CreatePackageGroup",
            DeletePackageGroup => "DeletePackageGroup",
        }
    }

    /// Writes are what `fail_writes_after` counts.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            PutPackageOriginConfiguration
                | UpdatePackageGroupOriginConfiguration
                | CreatePackageGroup
                | DeletePackageGroup
        )
    }

    /// Every routed operation, in table order.
    pub fn all() -> impl Iterator<Item = Operation> {
        ROUTES.iter().map(|(_, _, operation)| *operation)
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(Operation::route("DELETE", "/v1/package"), None);
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
}
