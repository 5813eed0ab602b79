"""The one error family of payroll_core: every error it raises is a `PayrollCoreError`.

It subclasses `ValueError` because every such error is bad input (rule data, columns, a period),
never a fault of the running process.
"""


class PayrollCoreError(ValueError):
    """Base of every error payroll_core raises."""


class RuleDataError(PayrollCoreError):
    """Rule data (TOML under payroll_core/rules/ or an office's file) is missing or invalid.

    The message names the file, the key and what to change.
    """


class PayInputError(PayrollCoreError):
    """Input columns the pipeline refuses; the message names the row, employee and column."""
