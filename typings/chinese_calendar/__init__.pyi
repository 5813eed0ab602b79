# The part of chinesecalendar (which ships no types) that payroll_core.calendar uses.
import datetime
from enum import Enum

class Holiday(Enum):
    chinese: str
    days: int
    new_years_day = "New Year's Day"
    spring_festival = "Spring Festival"
    tomb_sweeping_day = "Tomb-sweeping Day"
    labour_day = "Labour Day"
    dragon_boat_festival = "Dragon Boat Festival"
    national_day = "National Day"
    mid_autumn_festival = "Mid-autumn Festival"

holidays: dict[datetime.date, str]
workdays: dict[datetime.date, str]

def get_solar_terms(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, str]]: ...
