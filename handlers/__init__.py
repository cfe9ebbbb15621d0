"""Thin Telegram adapters: parse the update, call `bot`, render. Filled in by the bot issue."""
