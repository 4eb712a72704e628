"""Setkeeper's tests."""
