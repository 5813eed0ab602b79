"""Fake terminals that speak the real protocol bytes, encoded on their own (never importing `drivers`),
each startable in-process on port 0 or from `punchclock sim …`, with fault knobs."""
