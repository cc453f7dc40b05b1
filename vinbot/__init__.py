"""vinbot: a Telegram bot that decodes Vehicle Identification Numbers."""

__version__ = "0.1.0"
