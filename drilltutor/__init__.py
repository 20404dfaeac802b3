"""drilltutor: type-it-yourself authentication drills, checked by hidden tests."""

__version__ = "0.1.0"
