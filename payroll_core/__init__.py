"""Pure pay and attendance computation: numpy columns in, int64 fen columns out, rules as data files.
No database, web, driver or gateway code may be imported here; `reference/` holds the Decimal twins."""
