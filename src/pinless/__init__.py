"""pinless: find database session pinning and missing disconnects in Lambda code."""

__version__ = "0.1.0"
