"""Entry points: the GraphQL gateway (FastAPI + strawberry) and the ``mentoring`` CLI.

The outermost layer: it wires services and projections together (``bootstrap``).
"""
