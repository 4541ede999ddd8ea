"""Projections: turn published events into read models; queries over those read models."""
