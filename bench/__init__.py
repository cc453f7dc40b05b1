"""`python -m bench`: vinbot against a bare python-telegram-bot bot, on fakes on 127.0.0.1."""
