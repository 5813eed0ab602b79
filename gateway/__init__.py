"""The server side of punchclock: terminals in, punches stored, pay computed, the CLI on top.

Subpackages, each importing only sideways or down (checked by the import contracts in pyproject.toml):
`cli` (composition root) → `devices`, `pay` → `access` → `store`; `config` and `errors` at this
level are below all of them. `docs/ARCHITECTURE.md` draws the whole picture.
"""
