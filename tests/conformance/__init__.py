"""Differential conformance: our engine against the real awslambdaric."""
