"""The demo's story in data: the five PINs, their rounds, the outcomes, the shared activity.

Names are made up from common first and last names of each community (no real people);
``services.demo`` plays this story through the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.values import OutcomeKind

DEMO_ACTOR = "demo-seed"
COMPLETE_MARKER = "demo-seed/complete"
"""The correlation id of the demo's last command: a store holding it is seeded."""


@dataclass(frozen=True)
class Network:
    slug: str
    name: str
    community: str
    professions: tuple[str, ...]
    language: str
    extra_languages: tuple[str, ...]
    origins: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    # Profession of mentor 1 (the pilot mentor where there was a pilot; leads round 1) and
    # of mentor 2 (leads round 2).
    mentor_professions: tuple[str, str]
    pilot_group_size: int = 0


NETWORKS = (
    Network(
        "arec", "Association of Romanian Engineers in Canada", "Romanian", ("Engineering",),
        "Romanian", ("French", "Italian"), ("Romania", "Romania", "Romania", "Moldova"),
        ("Andrei", "Mihai", "Ioana", "Elena", "Alexandru", "Cristina", "Radu", "Ana", "Bogdan",
         "Gabriela", "Florin", "Simona", "Vlad", "Irina", "Sorin", "Raluca", "Dragos", "Oana"),
        ("Popescu", "Ionescu", "Dumitrescu", "Stoica", "Gheorghe", "Munteanu", "Marin",
         "Tudor", "Dobre", "Barbu", "Nistor", "Florea", "Moldovan", "Lazar", "Matei"),
        ("Engineering", "Engineering"), pilot_group_size=6,
    ),
    Network(
        "iccc", "Indo-Canada Chamber of Commerce", "Indian",
        ("Business", "Information technology", "Engineering"),
        "Hindi", ("Punjabi", "Gujarati", "Marathi", "Tamil"), ("India",),
        ("Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Rohan", "Kavya", "Amit",
         "Pooja", "Sanjay", "Neha", "Harpreet", "Deepak", "Meera", "Karan", "Divya", "Ravi"),
        ("Sharma", "Patel", "Singh", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Joshi",
         "Desai", "Kapoor", "Rao", "Malhotra", "Bhatt", "Sandhu"),
        ("Information technology", "Business"), pilot_group_size=6,
    ),
    Network(
        "cniea", "Canadian Network of Iraqi Engineers and Architects", "Iraqi",
        ("Engineering", "Architecture"), "Arabic", ("Kurdish", "Turkish"), ("Iraq",),
        ("Ahmed", "Mohammed", "Ali", "Hussein", "Omar", "Zainab", "Fatima", "Noor", "Mustafa",
         "Hassan", "Layla", "Sara", "Karim", "Yasmin", "Haider", "Maryam", "Tariq", "Huda"),
        ("Al-Jubouri", "Al-Obaidi", "Al-Tamimi", "Al-Saadi", "Al-Rubaie", "Al-Hashimi",
         "Al-Khafaji", "Al-Zubaidi", "Kareem", "Hamid", "Salman", "Jasim", "Yousif", "Aziz",
         "Al-Bayati"),
        ("Engineering", "Architecture"), pilot_group_size=5,
    ),
    Network(
        "afca", "Association of Filipino Canadian Accountants", "Filipino", ("Accounting",),
        "Filipino", ("Cebuano", "Ilocano"), ("Philippines",),
        ("Jose", "Maria", "Juan", "Kristine", "Paolo", "Angelica", "Carlo", "Rowena", "Ramon",
         "Liza", "Miguel", "Joy", "Marvin", "Cherry", "Rodel", "Grace", "Noel", "Rhea"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Mendoza", "Aquino", "Dela Cruz",
         "Villanueva", "Ramos", "Castillo", "Navarro", "Domingo", "Manalo", "Pascual"),
        ("Accounting", "Accounting"),
    ),
    Network(
        "chc", "Canadian Hispanic Congress", "Hispanic",
        ("Information technology", "Engineering", "Healthcare", "Business"),
        "Spanish", ("Portuguese", "French"),
        ("Mexico", "Colombia", "Venezuela", "Peru", "Chile", "Argentina", "Ecuador"),
        ("Carlos", "María", "José", "Lucía", "Diego", "Valentina", "Andrés", "Camila",
         "Javier", "Sofía", "Luis", "Daniela", "Alejandro", "Mariana", "Fernando", "Natalia"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
         "Sánchez", "Ramírez", "Rivera", "Gómez", "Díaz", "Morales", "Vargas", "Castro"),
        ("Information technology", "Engineering"),
    ),
)  # fmt: skip

REGULATED = {"Engineering", "Architecture", "Accounting", "Healthcare"}

AGENDAS = (
    "Introductions, goals and how the profession works in Canada",
    "Credentials, licensing and the regulator's path",
    "Resumes, interviews and Canadian workplace culture",
    "Networking: professional associations and the network's contacts",
    "Progress review, next steps and staying in touch",
)


@dataclass(frozen=True)
class Round:
    name: str
    starts_on: date
    ends_on: date
    first_session: date
    session_gaps_days: tuple[int, ...]
    enrolment_from: date
    mentee_training: str
    mentee_training_on: date
    close: bool


PILOT = Round(
    "Pilot 2024", date(2024, 2, 5), date(2024, 6, 7), date(2024, 2, 8), (28, 28, 28, 28),
    date(2024, 1, 8), "Canadian workplace orientation", date(2024, 2, 1), close=True,
)  # fmt: skip
ROUND_1 = Round(
    "Round 1 2025", date(2025, 2, 3), date(2025, 6, 6), date(2025, 2, 6), (28, 28, 28, 28),
    date(2024, 12, 2), "Job search and networking in Canada (ALLIES-funded)",
    date(2025, 1, 30), close=True,
)  # fmt: skip
ROUND_2 = Round(
    "Round 2 2025-26", date(2025, 11, 3), date(2026, 3, 13), date(2025, 11, 5), (28, 42, 21, 28),
    date(2025, 9, 2), "Job search and networking in Canada (ALLIES-funded)",
    date(2025, 10, 29), close=False,
)  # fmt: skip

MENTOR_TRAININGS = (
    ("Group mentoring facilitation (pilot)", date(2024, 1, 24)),
    ("Intercultural group mentoring (ALLIES-funded)", date(2025, 1, 22)),
)

JOB, BUSINESS, LICENCE, EXAM, OTHER_JOB, STUDY = (
    OutcomeKind.JOB_IN_FIELD,
    OutcomeKind.BUSINESS_STARTED,
    OutcomeKind.LICENCE_OBTAINED,
    OutcomeKind.LICENSING_EXAM_PASSED,
    OutcomeKind.JOB_OUTSIDE_FIELD,
    OutcomeKind.FURTHER_EDUCATION,
)
# (round, PIN, mentee's place in the group, kind, date, evidence)
OUTCOMES = (
    (PILOT, "arec", 0, JOB, date(2024, 7, 15), "Offer letter seen: junior design engineer."),
    (PILOT, "arec", 1, JOB, date(2024, 10, 1), "Offer letter seen: field engineer."),
    (PILOT, "arec", 2, LICENCE, date(2025, 3, 20), "P.Eng licence issued by PEO."),
    (PILOT, "iccc", 0, JOB, date(2024, 6, 24), "Offer letter seen: software developer."),
    (PILOT, "iccc", 1, JOB, date(2024, 9, 9), "Offer letter seen: data analyst."),
    (PILOT, "iccc", 2, BUSINESS, date(2024, 11, 4), "Registered an IT consulting business."),
    (PILOT, "cniea", 0, EXAM, date(2024, 8, 10), "Passed the PEO Professional Practice Exam."),
    (PILOT, "cniea", 0, JOB, date(2024, 12, 2), "Offer letter seen: engineer in training."),
    (PILOT, "cniea", 1, JOB, date(2025, 2, 17), "Offer letter seen: project engineer."),
    (ROUND_1, "arec", 0, JOB, date(2025, 8, 11), "Offer letter seen: electrical designer."),
    (ROUND_1, "iccc", 1, JOB, date(2025, 9, 2), "Offer letter seen: QA analyst."),
    (ROUND_1, "cniea", 0, EXAM, date(2025, 10, 4), "Passed the PEO Professional Practice Exam."),
    (ROUND_1, "afca", 0, JOB, date(2025, 7, 21), "Offer letter seen: staff accountant."),
    (ROUND_1, "afca", 2, EXAM, date(2025, 9, 12), "Passed the CPA Common Final Examination."),
    (ROUND_1, "chc", 1, JOB, date(2025, 8, 25), "Offer letter seen: systems analyst."),
    (ROUND_1, "chc", 3, STUDY, date(2025, 9, 8), "Enrolled in a bridging programme."),
    (ROUND_2, "arec", 2, OTHER_JOB, date(2026, 1, 19), "Offer letter seen: technical sales role."),
    (ROUND_2, "afca", 1, JOB, date(2026, 4, 20), "Offer letter seen: accounts payable lead."),
)

ACTIVITY_TITLE = "Cross-cultural networking evening"
ACTIVITY_HOST = "afca"
ACTIVITY_DAY = date(2025, 6, 19)
