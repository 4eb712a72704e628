"""Use cases: plain values in, plain results (and persisted effects) out; no Discord here."""
