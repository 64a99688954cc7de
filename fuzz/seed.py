#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the repository's fixtures and rules.

Run from anywhere: `python3 fuzz/seed.py`. The corpora are not committed (see .gitignore);
libFuzzer grows them from these seeds.
"""
import hashlib
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"
# Same order as FORMATS in fuzz_targets/version.rs: the first byte of a seed picks the format.
FORMATS = ["npm", "pypi", "maven", "nuget", "generic", "ruby", "swift", "cargo"]


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def walk(value, found):
    """Collects policy documents, versions by format and patterns from an inventory."""
    if isinstance(value, dict):
        document = value.get("document")
        if isinstance(document, str):
            found["policy"].add(document)
        pattern = value.get("pattern")
        if isinstance(pattern, str):
            found["pattern"].add(pattern)
        package = value.get("package")
        if isinstance(package, dict) and isinstance(value.get("versions"), list):
            fmt = package.get("format")
            for version in value["versions"]:
                if isinstance(version, dict) and isinstance(version.get("version"), str):
                    found["version"].setdefault(fmt, set()).add(version["version"])
        for item in value.values():
            walk(item, found)
    elif isinstance(value, list):
        for item in value:
            walk(item, found)


def main():
    found = {"policy": set(), "pattern": set(), "version": {}}
    for path in sorted(ROOT.glob("fixtures/**/*.json")):
        text = path.read_text()
        put("inventory", text)
        # The first byte picks the block size (1 to 64 bytes); small blocks cut everywhere.
        for size in (0, 7, 31, 63):
            put("inventory_blocks", bytes([size]) + text.encode())
        try:
            walk(json.loads(text), found)
        except json.JSONDecodeError:
            pass
    for path in sorted(ROOT.glob("fixtures/**/*.toml")):
        text = path.read_text()
        put("config", text)
        for line in text.splitlines():
            line = line.strip().rstrip(",")
            if line.startswith('"/') and line.endswith('"'):
                found["pattern"].add(line[1:-1])
    for path in sorted(ROOT.glob("rules/*.toml")):
        put("rules", path.read_text())
    for document in found["policy"]:
        put("policy", document)
    patterns = sorted(found["pattern"])
    for pattern in patterns:
        put("group_pattern", pattern)
    # A few multi-line seeds, so containment and association see related patterns together.
    for i in range(0, len(patterns), 4):
        put("group_pattern", "\n".join(patterns[i : i + 4]))
    for fmt, versions in found["version"].items():
        if fmt not in FORMATS:
            continue
        selector = bytes([FORMATS.index(fmt)])
        versions = sorted(versions)
        for i in range(0, len(versions), 3):
            put("version", selector + "\n".join(versions[i : i + 3]).encode())
    for target in sorted(p.name for p in CORPUS.iterdir()):
        count = len(list((CORPUS / target).iterdir()))
        print(f"{target}: {count} seeds")


if __name__ == "__main__":
    main()
