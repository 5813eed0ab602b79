# Stub for pyzk 0.9's zk.attendance.
from datetime import datetime

class Attendance:
    uid: int
    user_id: str
    timestamp: datetime
    status: int
    punch: int
    def __init__(self, user_id: str, timestamp: datetime, status: int, punch: int = ..., uid: int = ...) -> None: ...
