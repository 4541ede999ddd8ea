"""The group-mentoring domain: aggregates, value objects and the rules of the programme.

Pure: imports nothing from services, projections or gateway, and does no I/O.
"""
