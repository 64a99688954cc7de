//! Version ordering per package format.
