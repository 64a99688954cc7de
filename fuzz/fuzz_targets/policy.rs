//! Resource-policy documents: any text as `ResourcePolicy.document`, read the way IAM would,
//! conservatively. Never a panic; an unreadable document is an error fact, not a clean one.
#![no_main]

use caguard::facts::policy;
use libfuzzer_sys::fuzz_target;

const OWNER: &str = "111122223333";

fuzz_target!(|data: &[u8]| {
    let Ok(document) = std::str::from_utf8(data) else {
        return;
    };
    let trusted = ["444455556666".to_string()];
    let facts = policy::analyse_document(document, OWNER, &trusted);
    assert!(facts.present);
    if let Some(error) = &facts.error {
        assert!(!error.contains('\n'), "multi-line error: {error}");
        // Fail closed: nothing is claimed about a document that could not be read.
        assert!(!facts.public_access && facts.untrusted_accounts.is_empty());
    }
    for account in &facts.untrusted_accounts {
        assert_ne!(account, OWNER, "the owner is never untrusted");
        assert!(
            !trusted.contains(account),
            "a trusted account is never untrusted"
        );
    }
    // Trusting nobody can only widen what is reported.
    let untrusting = policy::analyse_document(document, OWNER, &[]);
    assert_eq!(untrusting.error.is_some(), facts.error.is_some());
    assert!(!facts.public_access || untrusting.public_access);
    for account in &facts.untrusted_accounts {
        assert!(untrusting.untrusted_accounts.contains(account));
    }
});
