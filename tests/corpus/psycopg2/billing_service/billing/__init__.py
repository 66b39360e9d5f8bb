"""Billing functions: invoice runs and refunds (deployed with template.yaml)."""
