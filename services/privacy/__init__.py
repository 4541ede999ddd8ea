"""Privacy: consent, erasure, per-person keys, retention (ADR 0005)."""
