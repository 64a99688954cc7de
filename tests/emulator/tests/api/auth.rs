//! Authentication errors as AWS's front door sends them. Signatures are never verified.

use crate::world::{acme, client, header, raw, start, SIGNED};
use codeartifact_emulator::Options;

const SCOPE: &str = "AKIDTEST/20250101/us-east-1/codeartifact/aws4_request";

fn sigv4(credential: &str, signed_headers: &str, signature: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed_headers}, Signature={signature}")
}

#[tokio::test]
async fn missing_malformed_and_presigned_sigv4() {
    let emulator = start(acme(), Options::default()).await;
    let target = "/v1/domain?domain=acme";

    // No SigV4 at all, also for an operation that needs no served state.
    for (method, path) in [("GET", target), ("POST", "/v1/domains")] {
        let (status, headers, body) = raw(&emulator, method, path, &[], "").await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("MissingAuthenticationTokenException")
        );
        assert!(body.contains("Missing Authentication Token"), "{body}");
    }

    // Malformed Authorization headers: 400 IncompleteSignatureException, message says why.
    let malformed = [
        ("Basic eDp5".to_string(), "Unsupported Authorization type"),
        ("AWS4-HMAC-SHA256".to_string(), "requires 'Credential'"),
        (
            format!("AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host"),
            "requires 'Signature'",
        ),
        (
            sigv4("AKIDTEST/us-east-1/codeartifact/aws4_request", "host", "00"),
            "exactly 5 slash-delimited elements",
        ),
        (
            sigv4(
                "AKIDTEST/20250101/us-east-1/codeartifact/aws5",
                "host",
                "00",
            ),
            "valid terminator",
        ),
        (
            sigv4(SCOPE, "host", "not-hex"),
            "Signature must be hexadecimal",
        ),
        (sigv4(SCOPE, "", "00"), "SignedHeaders"),
    ];
    for (authorization, says) in &malformed {
        let (status, headers, body) = raw(
            &emulator,
            "GET",
            target,
            &[("authorization", authorization)],
            "",
        )
        .await;
        assert_eq!(status, 400, "{authorization}: {body}");
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("IncompleteSignatureException"),
            "{authorization}"
        );
        assert!(body.contains(says), "{authorization}: {body}");
    }

    // Well formed but for another service.
    let other = sigv4("AKIDTEST/20250101/us-east-1/s3/aws4_request", "host", "00");
    let (status, headers, _) =
        raw(&emulator, "GET", target, &[("authorization", &other)], "").await;
    assert_eq!(status, 403);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("InvalidSignatureException")
    );

    // Presigned (query-string) SigV4 is accepted; any signature passes.
    let presigned = format!(
        "{target}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20250101%2Fus-east-1%2Fcodeartifact%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=0123abcd"
    );
    let (status, _, body) = raw(&emulator, "GET", &presigned, &[], "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"name\":\"acme\""), "{body}");
    // ... but not a partial one, nor one with a header signature as well.
    let partial = format!("{target}&X-Amz-Signature=00");
    let (status, headers, _) = raw(&emulator, "GET", &partial, &[], "").await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("IncompleteSignatureException")
    );
    let (status, _, _) = raw(&emulator, "GET", &presigned, &[SIGNED], "").await;
    assert_eq!(status, 400);

    // Authentication comes before validation and before the state is read.
    let (status, headers, _) = raw(&emulator, "GET", "/v1/domain?domain=NOPE!", &[], "").await;
    assert_eq!(status, 403);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    // Paths that are no operation at all stay 404, signed or not.
    let (status, headers, _) = raw(&emulator, "GET", "/v2/nothing", &[], "").await;
    assert_eq!(status, 404);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("UnknownOperationException")
    );

    // The real SDK signs properly and gets through.
    client(&emulator)
        .describe_domain()
        .domain("acme")
        .send()
        .await
        .unwrap();
}
