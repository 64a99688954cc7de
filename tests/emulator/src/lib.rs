//! A CodeArtifact emulator speaking the real REST-JSON protocol.
