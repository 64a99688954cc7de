//! Package-group patterns (`codeartifact-notes.md` §8): parsing, matching, specificity.
