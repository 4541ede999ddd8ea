"""The audit trail's records and signing keys (ADR 0004)."""
