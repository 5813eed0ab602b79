"""The device side: from a terminal's raw records to stored punches, exactly once.

`poller` owns each terminal's schedule, backoff and health; `sync` is one pass over every terminal
with progress bars; `ingest` stores punches idempotently and decides when a watermark may advance or
a terminal be cleared; `normalize` turns device wall-clock times into UTC and badges into employees;
`inventory` writes the config's offices and terminals into the store; `push_rejects` keeps pushed
ATTLOG lines no ZKTeco record can hold aside, exactly once; `push_commands` is the push terminals'
command queue, `push_refusals` the terminals the receiver refused, `push_uploads` their photos,
operation logs, enrolments and INFO answers (all in the database); `crashpoints` are the named pause points
of the kill tests.

May import: `drivers`, `gateway.access`, `gateway.store`, `gateway.config`, `gateway.errors`. Never
`gateway.pay`, `gateway.cli`, `api` or `simulators`.
"""
