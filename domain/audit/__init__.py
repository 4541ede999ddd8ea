"""The audit trail's pure parts: Merkle trees and proofs, leaf encoding, checkpoints."""
