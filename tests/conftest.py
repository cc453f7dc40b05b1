"""Shared pytest configuration: nothing here may touch the network."""

import os

# PTB 22 warns about integer retry_after unless opted into timedelta; tests treat warnings as
# errors and the bot's entry point opts in the same way.
os.environ.setdefault("PTB_TIMEDELTA", "true")
