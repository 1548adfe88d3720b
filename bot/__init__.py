"""Dresden Kita bot: answers the Amt für Kindertagesbetreuung's questions for families from Ukraine."""

__version__ = "0.1.0"
