"""Benchmarks that print tables (docs/benchmarks.md); run each as a script from the repository root."""
