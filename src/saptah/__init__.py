"""Saptah: run a civil-service learning campaign end to end."""

__version__ = "0.1.0"
