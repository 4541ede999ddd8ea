"""Group proposals in the read models."""
