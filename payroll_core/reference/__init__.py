"""Plain-Python reference twins of the payroll_core kernels."""
