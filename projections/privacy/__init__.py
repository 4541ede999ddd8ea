"""The people's erasure and consents in the read models, and sealed fields opened."""
