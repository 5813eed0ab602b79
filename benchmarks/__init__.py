"""Benchmarks, run as scripts by `make bench` (never by `make test`).

A package only so that tools name `benchmarks/api.py` `benchmarks.api` instead of confusing it with `api/`.
"""
