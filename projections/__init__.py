"""Projections: turn published events into read models; queries over those read models."""

# The handlers of group proposals join the tenant views wherever those are built.
from projections import matching_views as matching_views
from projections import privacy_views as privacy_views  # erasure and consent
