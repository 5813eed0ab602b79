"""HR's records of people: employees, their badges and bank accounts, and the employee sheet (Excel).

A layer of its own above the device and pay sides because it needs both: an employee's shift is checked
by the attendance rules (`gateway.pay.attendance`) and a new badge re-maps quarantined punches
(`gateway.devices.ingest`), while neither side may import the other. The API routes, the Excel import
and the CLI call these services, so a record is written, sealed and audited one way whatever the door.
"""
