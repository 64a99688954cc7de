//! Package name normalization per format and lookalike folding.
