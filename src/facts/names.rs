//! Package name normalization per format and lookalike folding.
//!
//! Two different jobs live here. [`normalize_name`] and [`normalize_namespace`] reproduce what
//! CodeArtifact *stores*, so names from different sources compare
//! equal exactly when the service would treat them as the same package. [`fold_lookalike`] and
//! [`fold_variants`] are deliberately lossy keys for finding names that merely *look* alike: the
//! first for the `lookalike-of-internal-package` rule, the second for package groups' weak match.

use crate::inventory::PackageFormat;

/// Name as CodeArtifact stores it: pypi PEP 503 (lower-case, runs of `-_.` -> `-`), nuget and
/// swift lower-case, others unchanged.
pub fn normalize_name(format: &PackageFormat, name: &str) -> String {
    match format {
        PackageFormat::Pypi => collapse_separators(&name.to_lowercase(), '-'),
        PackageFormat::Nuget | PackageFormat::Swift => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// Namespace as stored: swift lower-case; npm without a leading `@`; others unchanged.
pub fn normalize_namespace(format: &PackageFormat, namespace: &str) -> String {
    match format {
        PackageFormat::Swift => namespace.to_lowercase(),
        // Only one `@` is the scope marker; anything after it is part of the stored scope.
        PackageFormat::Npm => namespace.strip_prefix('@').unwrap_or(namespace).to_string(),
        _ => namespace.to_string(),
    }
}

/// Lookalike key: case folded and every run of `-`, `.`, `_` collapsed into one `.` (the rule
/// `lookalike-of-internal-package`). No confusables.
pub fn fold_lookalike(text: &str) -> String {
    collapse_separators(&lowercase_per_char(text.chars()), '.')
}

/// Weak-match key (package groups' "variation normalization",
/// <https://docs.aws.amazon.com/codeartifact/latest/ug/package-group-definition-syntax-matching-behavior.html>):
/// [`fold_lookalike`] plus folding of visually confusable characters (see [`confusable`]).
///
/// Folding is per character and context-free, so the key of a prefix is a prefix of the key of
/// every string starting with it; pattern prefix matching on keys relies on that.
pub fn fold_variants(text: &str) -> String {
    // Confusables run before *and* after lower-casing: before, so an upper-case homoglyph maps to
    // the Latin capital it imitates (Cyrillic `В` looks like `B`, while its lower case `в` looks
    // like no Latin letter); after, for upper-case letters missing from the table whose lower
    // case is in it.
    let lowered = lowercase_per_char(text.chars().map(|c| confusable(c).unwrap_or(c)));
    let mapped = lowered.chars().map(|c| confusable(c).unwrap_or(c));
    collapse_separators(&mapped.collect::<String>(), '.')
}

/// The Latin character a visually confusable character imitates, if it is in our table.
///
/// The table is a small, hand-picked subset of Unicode TR39 `confusables.txt`: the Cyrillic,
/// Greek and Latin-extension letters that are indistinguishable from ASCII letters in common
/// fonts, hyphen look-alikes, and the fullwidth ASCII block. It differs from TR39 in two
/// deliberate ways:
/// - targets keep the case of the letter imitated (TR39 maps to one prototype, e.g. `I` to `l`)
///   because case folding follows anyway;
/// - ASCII never maps to ASCII (no `0`/`O`, `1`/`l`/`I`). A weak match means "blocked" to the
///   exposure model, so a wider table would make caguard under-report exposure for names the
///   service may well treat as distinct. What AWS's own table contains is not documented.
///
/// No Unicode normalization (NFD/NFKC) is applied: precomposed and decomposed accents stay
/// different, which again errs towards reporting.
pub fn confusable(c: char) -> Option<char> {
    let latin = match c {
        // Fullwidth ASCII (U+FF01..U+FF5E) is ASCII shifted by a constant.
        '\u{FF01}'..='\u{FF5E}' => return char::from_u32(u32::from(c) - 0xFF01 + 0x21),
        // Cyrillic capitals.
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'Ѕ' => 'S',
        'І' => 'I',
        'Ј' => 'J',
        'Ү' => 'Y',
        'Һ' => 'H',
        'Ԛ' => 'Q',
        'Ԝ' => 'W',
        'Ӏ' => 'l',
        // Cyrillic small letters.
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' => 'i',
        'ј' => 'j',
        'һ' => 'h',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        // Greek capitals.
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        // Greek small letters.
        'α' => 'a',
        'ι' => 'i',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'ϲ' => 'c',
        'ϳ' => 'j',
        // Latin letters outside ASCII that look like ASCII ones.
        'ı' => 'i',
        'ȷ' => 'j',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ǀ' => 'l',
        // Hyphen look-alikes, so they collapse like `-` afterwards.
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2043}' | '\u{2212}'
        | '\u{02D7}' | '\u{FE63}' => '-',
        // One dot leader.
        '\u{2024}' => '.',
        _ => return None,
    };
    Some(latin)
}

/// Lower-cases character by character. `str::to_lowercase` is context-sensitive (Greek final
/// sigma), which would make the key of a prefix differ from the start of the key of the whole.
fn lowercase_per_char(chars: impl Iterator<Item = char>) -> String {
    chars.flat_map(char::to_lowercase).collect()
}

/// Replaces every run of `-`, `.` and `_` with one `with`.
fn collapse_separators(text: &str, with: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if matches!(c, '-' | '.' | '_') {
            if !in_run {
                out.push(with);
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalize_name_per_format() {
        let cases: &[(PackageFormat, &str, &str)] = &[
            (PackageFormat::Pypi, "Pigeon_CLI", "pigeon-cli"),
            (PackageFormat::Pypi, "pigeon.cli", "pigeon-cli"),
            (PackageFormat::Pypi, "foo..bar", "foo-bar"),
            (PackageFormat::Pypi, "Foo-_.Bar", "foo-bar"),
            (PackageFormat::Pypi, "requests", "requests"),
            (PackageFormat::Pypi, "_private_", "-private-"),
            (PackageFormat::Nuget, "Newtonsoft.Json", "newtonsoft.json"),
            (PackageFormat::Swift, "Alamofire", "alamofire"),
            (PackageFormat::Npm, "React_DOM", "React_DOM"),
            (PackageFormat::Maven, "Log4j-Core", "Log4j-Core"),
            (PackageFormat::Generic, "My..Thing", "My..Thing"),
            (PackageFormat::Ruby, "Rails", "Rails"),
            (PackageFormat::Cargo, "Serde_Json", "Serde_Json"),
            (PackageFormat::Other("conda".into()), "Foo_Bar", "Foo_Bar"),
        ];
        for (format, input, expected) in cases {
            assert_eq!(
                normalize_name(format, input),
                *expected,
                "{format} {input:?}"
            );
        }
    }

    #[test]
    fn normalize_namespace_per_format() {
        let cases: &[(PackageFormat, &str, &str)] = &[
            (PackageFormat::Npm, "@types", "types"),
            (PackageFormat::Npm, "types", "types"),
            (PackageFormat::Npm, "@@odd", "@odd"),
            (PackageFormat::Npm, "Space", "Space"),
            (PackageFormat::Swift, "Apple", "apple"),
            (PackageFormat::Maven, "Org.Apache", "Org.Apache"),
            (PackageFormat::Generic, "@keep", "@keep"),
            (PackageFormat::Pypi, "", ""),
        ];
        for (format, input, expected) in cases {
            assert_eq!(
                normalize_namespace(format, input),
                *expected,
                "{format} {input:?}"
            );
        }
    }

    #[test]
    fn fold_lookalike_table() {
        let cases = [
            ("foo-bar", "foo.bar"),
            ("foo.bar", "foo.bar"),
            ("foo..bar", "foo.bar"),
            ("foo_bar", "foo.bar"),
            ("Foo-_.Bar", "foo.bar"),
            ("foobar", "foobar"),
            ("AnyCompany-Spicy-Client", "anycompany.spicy.client"),
            ("-lead_", ".lead."),
            ("", ""),
            // No confusables here: that is fold_variants' job.
            ("lоdash", "lоdash"),
            // Per character: the final sigma stays a plain sigma.
            ("ΑΣ", "ασ"),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_lookalike(input), expected, "{input:?}");
        }
    }

    #[test]
    fn fold_variants_table() {
        let cases = [
            ("AnyCompany-spicy-client", "anycompany.spicy.client"),
            ("anycompany_spicy.client", "anycompany.spicy.client"),
            ("anycompanyspicyclient", "anycompanyspicyclient"),
            // Cyrillic о (U+043E) and а (U+0430).
            ("lоdash", "lodash"),
            ("reаct", "react"),
            // Cyrillic capital В (U+0412) and Greek capital Ο (U+039F).
            ("ВΟΟ", "boo"),
            // Fullwidth letters and hyphen.
            ("ｆｏｏ－ｂａｒ", "foo.bar"),
            // Unicode hyphen (U+2010) and minus sign (U+2212) collapse like `-`.
            ("foo\u{2010}\u{2212}bar", "foo.bar"),
            // ASCII digits are not folded onto letters.
            ("l0dash", "l0dash"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_variants(input), expected, "{input:?}");
        }
    }

    #[test]
    fn confusable_targets_are_ascii() {
        for code in 0..=0x10FFFFu32 {
            if let Some(c) = char::from_u32(code) {
                if let Some(target) = confusable(c) {
                    assert!(target.is_ascii(), "{c:?} -> {target:?}");
                    assert!(!c.is_ascii(), "ASCII {c:?} must not be folded");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn folds_never_panic_and_are_idempotent(text in "\\PC*") {
            let lookalike = fold_lookalike(&text);
            prop_assert_eq!(fold_lookalike(&lookalike), lookalike.clone());
            let variants = fold_variants(&text);
            prop_assert_eq!(fold_variants(&variants), variants);
        }

        #[test]
        fn fold_of_prefix_is_prefix_of_fold(a in "\\PC*", b in "\\PC*") {
            // Pattern prefixes are matched on keys, which is only sound if this holds.
            let whole = format!("{a}{b}");
            prop_assert!(fold_variants(&whole).starts_with(&fold_variants(&a)));
            prop_assert!(fold_lookalike(&whole).starts_with(&fold_lookalike(&a)));
        }

        #[test]
        fn normalization_never_panics(format in "[a-z]{0,8}", text in "\\PC*") {
            let format = PackageFormat::from(format.as_str());
            let name = normalize_name(&format, &text);
            let namespace = normalize_namespace(&format, &text);
            prop_assert_eq!(normalize_name(&format, &name), name);
            if format != PackageFormat::Npm {
                prop_assert_eq!(normalize_namespace(&format, &namespace), namespace);
            }
        }
    }
}
