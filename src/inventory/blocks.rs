//! Loading an inventory file at the speed of the disk.
//!
//! `serde_json::from_reader` reads a byte at a time (~140 MB/s), and reading the whole text
//! first would hold it all (450 MB at a million versions). Instead the file is read in bounded
//! blocks, and a small structural scanner (string/escape state and nesting) finds each element of
//! `domains[*].repositories[*].packages[*]`, which is nearly all of the bytes. Those elements are
//! parsed in parallel with `serde_json::from_slice` into the same raw types the exact path uses;
//! everything else (the skeleton, with each packages array emptied) is parsed afterwards by the
//! same raw types, and the packages are put back by their coordinates. Anything the scanner does
//! not expect, and any parse error, gives up: the caller then parses the text exactly as
//! [`super::Inventory::parse`] does, so errors, positions and warnings never depend on this path.
//!
//! Why splitting gives the same result: the text is the skeleton with each `[]` refilled by the
//! elements, in order; serde reads an array of `RawPackageEntry` as each element on its own, so
//! a skeleton and elements that all parse are exactly a text that parses. What could make them
//! differ is refused here: invalid UTF-8 anywhere (`from_str` needs valid text, `from_slice` does
//! not check ignored strings), an empty element (`[1,]`), nesting deep enough to meet serde_json's
//! recursion limit in the whole text, an escaped or repeated key on the path.

use super::raw::{RawInventory, RawPackageEntry};
use std::io::Read;
use std::ops::Range;

/// Bytes read at a time; a package larger than this grows its block.
pub(super) const BLOCK_SIZE: usize = 4 << 20;

/// Nesting the scanner accepts, below serde_json's recursion limit (128) with room to spare.
const MAX_DEPTH: usize = 100;

/// Why the fast path gave up (the exact path then decides what the input is).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Surprise;

/// What kind of container a frame of the scanner's stack is, as far as the scanner cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The top-level object.
    Top,
    /// `domains`.
    Domains,
    /// `domains[d]`.
    Domain(usize),
    /// `domains[d].repositories`.
    Repositories(usize),
    /// `domains[d].repositories[r]`.
    Repository(usize, usize),
    /// Any other object or array.
    Other,
}

#[derive(Debug)]
struct Frame {
    is_object: bool,
    role: Role,
    /// In an object: the next string is a key.
    expecting_key: bool,
    /// In an array: commas seen so far, i.e. the index of the current element.
    index: usize,
    /// The key of the value being read, when the frame is on the path and the key matters.
    key: Option<PathKey>,
    /// On-path objects: whether the one key the scanner follows was already seen.
    followed_seen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathKey {
    Domains,
    Repositories,
    Packages,
    Other,
}

/// The structural scanner, fed block after block.
#[derive(Debug, Default)]
pub(super) struct Scanner {
    stack: Vec<Frame>,
    /// Everything but the packages arrays' contents.
    pub(super) skeleton: Vec<u8>,
    /// `(domain, repository)` of each packages array found, in document order.
    pub(super) arrays: Vec<(usize, usize)>,
    in_string: bool,
    escaped: bool,
    /// The bytes of the key being read, when it is a key of an on-path object.
    key_bytes: Option<Vec<u8>>,
    key_has_escape: bool,
    /// Inside a packages array: the elements found so far in it.
    in_packages: Option<usize>,
}

/// One element of a packages array: the array it belongs to and its bytes in the block.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Element {
    pub(super) array: usize,
    pub(super) bytes: Range<usize>,
}

/// Where an element ends.
enum ElementEnd {
    /// At the byte of this index, a `,` (more follow) or a `]` (the array's last).
    At(usize, u8),
    /// Past the end of the block.
    Incomplete,
}

impl Scanner {
    /// Scans `block` from its start. Elements found are pushed to `elements` (ranges into
    /// `block`). Returns where the unfinished element starts, if the block ends inside one: the
    /// caller passes those bytes again at the start of the next block. At the end of the input,
    /// call [`Scanner::finish`].
    pub(super) fn scan(
        &mut self,
        block: &[u8],
        elements: &mut Vec<Element>,
    ) -> Result<Option<usize>, Surprise> {
        let mut at = 0;
        while at < block.len() {
            if let Some(count) = self.in_packages {
                let array = self.arrays.len().saturating_sub(1);
                let mut count = count;
                loop {
                    match element_end(block, at)? {
                        ElementEnd::Incomplete => {
                            self.in_packages = Some(count);
                            return Ok(Some(at));
                        }
                        ElementEnd::At(end, terminator) => {
                            let bytes = at..end;
                            let blank = block[bytes.clone()].iter().all(u8::is_ascii_whitespace);
                            if blank {
                                // `[ ]` is an empty array; `[1,]` or `[,` are not JSON.
                                if count > 0 || terminator != b']' {
                                    return Err(Surprise);
                                }
                            } else {
                                elements.push(Element { array, bytes });
                                count += 1;
                            }
                            at = end + 1;
                            if terminator == b']' {
                                break;
                            }
                        }
                    }
                }
                self.in_packages = None;
                self.skeleton.push(b']');
                continue;
            }
            let byte = block[at];
            at += 1;
            if self.in_string {
                self.skeleton.push(byte);
                self.string_byte(byte)?;
                continue;
            }
            match byte {
                b'"' => {
                    self.in_string = true;
                    self.key_has_escape = false;
                    self.key_bytes = match self.stack.last() {
                        Some(frame)
                            if frame.is_object
                                && frame.expecting_key
                                && frame.role != Role::Other =>
                        {
                            Some(Vec::new())
                        }
                        _ => None,
                    };
                }
                b':' => {
                    if let Some(frame) = self.stack.last_mut() {
                        frame.expecting_key = false;
                    }
                }
                b',' => {
                    if let Some(frame) = self.stack.last_mut() {
                        if frame.is_object {
                            frame.expecting_key = true;
                            frame.key = None;
                        } else {
                            frame.index += 1;
                        }
                    }
                }
                b'{' | b'[' if self.open(byte == b'{')? => {
                    // A packages array: `[` now, `]` when the scan leaves it.
                    self.skeleton.push(byte);
                    continue;
                }
                b'}' | b']' => {
                    let closes_object = byte == b'}';
                    match self.stack.pop() {
                        Some(frame) if frame.is_object == closes_object => {}
                        _ => return Err(Surprise),
                    }
                }
                _ => {}
            }
            self.skeleton.push(byte);
        }
        Ok(None)
    }

    /// The input ended: the scanner must be back outside every container and string.
    pub(super) fn finish(&self) -> Result<(), Surprise> {
        if self.in_packages.is_some() || self.in_string || !self.stack.is_empty() {
            return Err(Surprise);
        }
        Ok(())
    }

    fn string_byte(&mut self, byte: u8) -> Result<(), Surprise> {
        if self.escaped {
            self.escaped = false;
        } else if byte == b'\\' {
            self.escaped = true;
            self.key_has_escape = true;
        } else if byte == b'"' {
            self.in_string = false;
            if let Some(key) = self.key_bytes.take() {
                // An escaped key could spell a followed one; only the exact path can tell.
                if self.key_has_escape {
                    return Err(Surprise);
                }
                let key = match key.as_slice() {
                    b"domains" => PathKey::Domains,
                    b"repositories" => PathKey::Repositories,
                    b"packages" => PathKey::Packages,
                    _ => PathKey::Other,
                };
                if let Some(frame) = self.stack.last_mut() {
                    let followed = match frame.role {
                        Role::Top => PathKey::Domains,
                        Role::Domain(_) => PathKey::Repositories,
                        Role::Repository(..) => PathKey::Packages,
                        _ => PathKey::Other,
                    };
                    if key == followed && key != PathKey::Other {
                        if frame.followed_seen {
                            return Err(Surprise); // the key twice in one object
                        }
                        frame.followed_seen = true;
                    }
                    frame.key = Some(key);
                }
            }
            return Ok(());
        }
        if let Some(key) = &mut self.key_bytes {
            // Keys of interest are short; a long one is some other key.
            if key.len() < 16 {
                key.push(byte);
            }
        }
        Ok(())
    }

    /// A container opens. Returns true when it is a packages array (now being skipped).
    fn open(&mut self, is_object: bool) -> Result<bool, Surprise> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Surprise);
        }
        let role = match self.stack.last_mut() {
            None => {
                if is_object {
                    Role::Top
                } else {
                    Role::Other
                }
            }
            Some(parent) => {
                let key = if parent.expecting_key {
                    None
                } else {
                    parent.key
                };
                match (parent.role, is_object, key) {
                    (Role::Top, false, Some(PathKey::Domains)) => Role::Domains,
                    (Role::Domains, true, _) => Role::Domain(parent.index),
                    (Role::Domain(d), false, Some(PathKey::Repositories)) => Role::Repositories(d),
                    (Role::Repositories(d), true, _) => Role::Repository(d, parent.index),
                    (Role::Repository(d, r), false, Some(PathKey::Packages)) => {
                        self.arrays.push((d, r));
                        self.in_packages = Some(0);
                        return Ok(true);
                    }
                    _ => Role::Other,
                }
            }
        };
        self.stack.push(Frame {
            is_object,
            role,
            expecting_key: is_object,
            index: 0,
            key: None,
            followed_seen: false,
        });
        Ok(false)
    }
}

/// Finds the end of the element starting at `start`: the `,` or `]` after it at its own level.
fn element_end(block: &[u8], start: usize) -> Result<ElementEnd, Surprise> {
    let mut depth = 0usize;
    let mut at = start;
    while at < block.len() {
        match block[at] {
            b'"' => {
                at += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', block.get(at..).unwrap_or_default()) {
                        None => return Ok(ElementEnd::Incomplete),
                        Some(offset) => {
                            at += offset;
                            if block[at] == b'\\' {
                                at += 2;
                                if at > block.len() {
                                    return Ok(ElementEnd::Incomplete);
                                }
                            } else {
                                break;
                            }
                        }
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH - 8 {
                    return Err(Surprise);
                }
            }
            b'}' | b']' => {
                if depth == 0 {
                    if block[at] == b']' {
                        return Ok(ElementEnd::At(at, b']'));
                    }
                    return Err(Surprise);
                }
                depth -= 1;
            }
            b',' if depth == 0 => return Ok(ElementEnd::At(at, b',')),
            _ => {}
        }
        at += 1;
    }
    Ok(ElementEnd::Incomplete)
}

/// Reads `input` block by block, parsing package elements in parallel while the next block is
/// scanned. `Ok(None)`: the fast path gave up (the caller parses the text exactly).
pub(super) fn load(
    input: &mut dyn Read,
    block_size: usize,
) -> std::io::Result<Option<RawInventory>> {
    let block_size = block_size.max(1);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Block>(1);
    // Parsed blocks come back to be filled again: no fresh pages to fault in for each block.
    let (recycle, recycled) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
    let (scanned, parsed) = std::thread::scope(|scope| {
        let parser = scope.spawn(move || parse_blocks(receiver, recycle));
        let scanned = read_and_scan(input, block_size, &sender, &recycled);
        drop(sender);
        (scanned, parser.join().unwrap_or(None))
    });
    let (Some(scanner), Some(mut packages)) = (scanned?, parsed) else {
        return Ok(None);
    };
    // The skeleton is the text less whole elements, cut at ASCII bytes: it is UTF-8 exactly
    // when the text outside the elements is (the workers checked each element).
    let Ok(skeleton) = std::str::from_utf8(&scanner.skeleton) else {
        return Ok(None);
    };
    let Ok(mut raw) = serde_json::from_str::<RawInventory>(skeleton) else {
        return Ok(None);
    };
    packages.resize_with(scanner.arrays.len(), Vec::new);
    for ((domain, repository), entries) in scanner.arrays.into_iter().zip(packages) {
        let Some(target) = raw.repository_packages(domain, repository) else {
            return Ok(None);
        };
        if !target.is_empty() {
            return Ok(None);
        }
        *target = entries;
    }
    Ok(Some(raw))
}

/// A block of input and the package elements found in it.
struct Block {
    bytes: Vec<u8>,
    elements: Vec<Element>,
}

/// The scanning side: `Ok(None)` when the scanner gave up.
fn read_and_scan(
    input: &mut dyn Read,
    block_size: usize,
    sender: &std::sync::mpsc::SyncSender<Block>,
    recycled: &std::sync::mpsc::Receiver<Vec<u8>>,
) -> std::io::Result<Option<Scanner>> {
    let mut scanner = Scanner::default();
    // The unfinished element at the end of the previous block, scanned again with the next.
    let mut carried: Vec<u8> = Vec::new();
    loop {
        let mut bytes = recycled.try_recv().unwrap_or_default();
        let kept = carried.len();
        let wanted = kept + block_size;
        bytes.clear();
        bytes.extend_from_slice(&carried);
        bytes.resize(wanted, 0);
        let mut filled = kept;
        while filled < wanted {
            match input.read(bytes.get_mut(filled..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        bytes.truncate(filled);
        let at_end = filled < wanted;
        let mut elements = Vec::new();
        let Ok(unfinished) = scanner.scan(&bytes, &mut elements) else {
            return Ok(None);
        };
        carried.clear();
        if let Some(from) = unfinished {
            carried.extend_from_slice(bytes.get(from..).unwrap_or_default());
        }
        if at_end && (!carried.is_empty() || scanner.finish().is_err()) {
            return Ok(None);
        }
        if !elements.is_empty() && sender.send(Block { bytes, elements }).is_err() {
            return Ok(None);
        }
        if at_end {
            return Ok(Some(scanner));
        }
    }
}

/// The parsing side: the elements of each packages array, in order, or `None` at the first
/// element that does not parse.
fn parse_blocks(
    receiver: std::sync::mpsc::Receiver<Block>,
    recycle: std::sync::mpsc::SyncSender<Vec<u8>>,
) -> Option<Vec<Vec<RawPackageEntry>>> {
    use rayon::prelude::*;
    let mut arrays: Vec<Vec<RawPackageEntry>> = Vec::new();
    let mut failed = false;
    for block in receiver {
        if failed {
            continue; // drain, so that the scanner is never blocked
        }
        let parsed: Vec<Option<RawPackageEntry>> = block
            .elements
            .par_iter()
            .with_min_len(64)
            .map(|element| {
                // `from_str` wants the whole text valid UTF-8, ignored strings included, which
                // `from_slice` does not check: so check each element, here in parallel.
                let text = std::str::from_utf8(block.bytes.get(element.bytes.clone())?).ok()?;
                let mut entry: RawPackageEntry = serde_json::from_str(text).ok()?;
                entry.shrink();
                Some(entry)
            })
            .collect();
        for (element, entry) in block.elements.iter().zip(parsed) {
            let Some(entry) = entry else {
                failed = true;
                break;
            };
            if arrays.len() <= element.array {
                arrays.resize_with(element.array + 1, Vec::new);
            }
            if let Some(array) = arrays.get_mut(element.array) {
                array.push(entry);
            }
        }
        let _ = recycle.try_send(block.bytes);
    }
    (!failed).then_some(arrays)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the scanner makes of `text` fed in blocks of `size` bytes: the skeleton, the
    /// coordinates of each packages array and the elements of each, as text.
    type Split = (String, Vec<(usize, usize)>, Vec<(usize, String)>);

    fn split(text: &str, size: usize) -> Result<Split, Surprise> {
        let mut scanner = Scanner::default();
        let mut found = Vec::new();
        let mut carried: Vec<u8> = Vec::new();
        let mut rest = text.as_bytes();
        loop {
            let take = size.min(rest.len());
            let mut block = std::mem::take(&mut carried);
            block.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            let mut elements = Vec::new();
            let unfinished = scanner.scan(&block, &mut elements)?;
            for element in elements {
                let bytes = &block[element.bytes];
                found.push((element.array, String::from_utf8_lossy(bytes).into_owned()));
            }
            if let Some(from) = unfinished {
                carried.extend_from_slice(&block[from..]);
            }
            if rest.is_empty() {
                if !carried.is_empty() {
                    return Err(Surprise);
                }
                scanner.finish()?;
                let skeleton = String::from_utf8_lossy(&scanner.skeleton).into_owned();
                return Ok((skeleton, scanner.arrays, found));
            }
        }
    }

    /// The split is the same whatever the block size.
    fn split_all_sizes(text: &str) -> Result<Split, Surprise> {
        let whole = split(text, usize::MAX);
        for size in [1, 2, 3, 5, 7, 16, 64] {
            assert_eq!(split(text, size), whole, "block size {size}: {text}");
        }
        whole
    }

    fn repository(packages: &str) -> String {
        format!(
            r#"{{"inventoryVersion":1,"domains":[{{"domain":{{"name":"acme"}},"repositories":[{{"repository":{{"name":"app"}},"packages":{packages}}}]}}]}}"#
        )
    }

    #[test]
    fn elements_are_cut_at_their_own_level_only() {
        let text = repository(
            r#"[{"package":{"package":"a\"],{"}},[1,[2,{"x":"]"}]],{"v":"\\"} , "s,]" ,null]"#,
        );
        let (skeleton, arrays, elements) = split_all_sizes(&text).unwrap();
        assert_eq!(skeleton, repository("[]"));
        assert_eq!(arrays, [(0, 0)]);
        let elements: Vec<&str> = elements.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(
            elements,
            [
                r#"{"package":{"package":"a\"],{"}}"#,
                r#"[1,[2,{"x":"]"}]]"#,
                r#"{"v":"\\"} "#,
                r#" "s,]" "#,
                "null"
            ]
        );
    }

    #[test]
    fn coordinates_count_domains_and_repositories() {
        let text = "\u{feff}{ \"domains\" : [ {\"domain\":{}}, { \"repositories\" : [ {\"packages\":[1]} ,\n\t{ \"repository\" : {\"packages\":[9]}, \"packages\" : [ 2 , 3 ] } ] , \"packages\":[7] } ] , \"packages\":[8] }";
        let (skeleton, arrays, elements) = split_all_sizes(text).unwrap();
        // Only domains[*].repositories[*].packages is cut; the BOM is left to the exact path.
        assert_eq!(skeleton, "\u{feff}{ \"domains\" : [ {\"domain\":{}}, { \"repositories\" : [ {\"packages\":[]} ,\n\t{ \"repository\" : {\"packages\":[9]}, \"packages\" : [] } ] , \"packages\":[7] } ] , \"packages\":[8] }");
        assert_eq!(arrays, [(1, 0), (1, 1)]);
        assert_eq!(
            elements,
            [(0, "1".into()), (1, " 2 ".into()), (1, " 3 ".into())]
        );
    }

    #[test]
    fn empty_and_null_packages() {
        for empty in ["[]", "[ ]", "[\n\t ]"] {
            let (skeleton, arrays, elements) = split_all_sizes(&repository(empty)).unwrap();
            assert_eq!(skeleton, repository("[]"));
            assert_eq!(arrays, [(0, 0)]);
            assert!(elements.is_empty());
        }
        // Not an array: left in the skeleton for serde to judge.
        let (skeleton, arrays, _) = split_all_sizes(&repository("null")).unwrap();
        assert_eq!(skeleton, repository("null"));
        assert!(arrays.is_empty());
    }

    #[test]
    fn what_the_scanner_does_not_expect_gives_up() {
        let cases = [
            repository("[1,]"),
            repository("[,1]"),
            repository("[1,,2]"),
            repository("[{]"),
            // The key twice, in either order of shapes.
            repository("[1]").replace(r#""packages""#, r#""packages":[2],"packages""#),
            repository("[1]").replace(r#""packages""#, r#""packages":null,"packages""#),
            r#"{"domains":[],"domains":[]}"#.to_string(),
            // An escaped key might spell `packages`.
            repository("[1]").replace(r#""packages""#, r#""pack\u0061ges""#),
            // Nesting near serde_json's recursion limit.
            repository(&format!("[{}{}]", "[".repeat(120), "]".repeat(120))),
            format!("{}{}", "[".repeat(120), "]".repeat(120)),
            // Unfinished input.
            repository("[1"),
            repository("[1]").trim_end_matches('}').to_string(),
            r#"{"a":"x"#.to_string(),
            r#"{"a":1]"#.to_string(),
        ];
        for text in cases {
            assert_eq!(split(&text, 3), Err(Surprise), "{text}");
            assert_eq!(split(&text, usize::MAX), Err(Surprise), "{text}");
        }
    }

    #[test]
    fn load_agrees_with_the_exact_parser_or_gives_up() {
        let good = repository(
            r#"[{"package":{"format":"npm","package":"a"},"versions":[{"version":"1","status":"Published"}]},
               {"package":{"format":"npm","package":"b"},"typo":[1,"]"]}]"#,
        );
        for size in [1, 7, 64, BLOCK_SIZE] {
            let raw = load(&mut good.as_bytes(), size).unwrap();
            let mut warnings = super::super::raw::Warnings::new();
            let fast = raw.map(|raw| raw.into_inventory(&mut warnings));
            let mut exact_warnings = super::super::raw::Warnings::new();
            let exact = serde_json::from_str::<RawInventory>(&good)
                .unwrap()
                .into_inventory(&mut exact_warnings);
            assert_eq!(fast, Some(exact));
            assert_eq!(warnings.finish(), exact_warnings.finish());
        }
        // Each gives up: a package or the skeleton does not parse, or the text is not UTF-8.
        let bad: Vec<Vec<u8>> = vec![
            repository(r#"[{"package":5}]"#).into_bytes(),
            repository(r#"[{"package":{}} {"package":{}}]"#).into_bytes(),
            repository("[]")
                .replace(r#""name":"app""#, r#""name":5"#)
                .into_bytes(),
            format!("\u{feff}{}", repository("[]")).into_bytes(),
            repository(r#"[{"package":{"package":"\ud800"}}]"#).into_bytes(),
            repository(r#"[{"package":{},"x":"é"}]"#)
                .replace('é', "\u{0}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xff } else { b })
                .collect(),
        ];
        for text in bad {
            for size in [1, 5, BLOCK_SIZE] {
                let raw = load(&mut text.as_slice(), size).unwrap();
                assert!(raw.is_none(), "{}", String::from_utf8_lossy(&text));
            }
        }
        // A UTF-8 sequence cut by a block boundary is fine.
        let text = repository(r#"[{"package":{"package":"ééé€€𝄞"}}]"#);
        for size in 1..12 {
            assert!(load(&mut text.as_bytes(), size).unwrap().is_some());
        }
    }
}
