"""Who may do what, and the record of what was done: API tokens and the hash-chained audit log.

`tokens` issues, authenticates and revokes bearer tokens (only a digest of each secret is stored);
`audit` appends to and verifies the audit chain that every change writes to; `push_auth` decides
which ADMS push requests a terminal may make (its push comm key, its networks; only a digest of the
key is stored).

May import: `gateway.store`, `gateway.config`, `gateway.errors`. Never `gateway.devices`,
`gateway.pay`, `gateway.cli` or `api`.
"""
