"""The chat layer: what the bot answers to each user action, as replies (Telegram HTML and
buttons) that handlers send. Nothing here knows Telegram."""
