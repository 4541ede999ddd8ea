"""The domain's aggregates as the projections' tables name their events (``Pin.Registered``).

eventsourcing's ``@event("Registered")`` creates each event class when the aggregate class
is built, where a type checker cannot see it; the aggregates are typed ``Any`` here, once,
so that the tables can name the classes themselves rather than strings.
"""

from __future__ import annotations

from typing import Any

from domain import access, activity, cohort, group, people, pin, proposal

ApiKey: Any = access.ApiKey
Cohort: Any = cohort.Cohort
Group: Any = group.Group
GroupProposal: Any = proposal.GroupProposal
Mentee: Any = people.Mentee
Mentor: Any = people.Mentor
Person: Any = people.Person
Pin: Any = pin.Pin
SharedActivity: Any = activity.SharedActivity
