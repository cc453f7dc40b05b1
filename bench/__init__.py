"""`python -m bench`: vinbot against a bare python-telegram-bot bot, on fake servers on 127.0.0.1."""
