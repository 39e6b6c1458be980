"""Elephas-compatible data helpers (`tusk.utils.rdd_utils`, as `elephas.utils.rdd_utils`)."""
