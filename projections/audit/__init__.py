"""The audit trail's read side: the Merkle log of every event, its checkpoints, and the funder
reports computed from the events a checkpoint covers."""
