"""Finding the groups of a proposal: an exact integer program, and a greedy baseline."""
