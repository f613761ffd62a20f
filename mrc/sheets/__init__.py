"""Printed information sheets (PDF)."""
