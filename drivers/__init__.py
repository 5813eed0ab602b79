"""Terminal drivers, one module per protocol family: bytes in, raw records out (`base` has the contract).
No database, no time zones, no employees, and never `simulators` or the gateway."""
