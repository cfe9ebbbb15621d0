"""News sources polled on a schedule and links sent to the bot: fetching (politely),
finding article links (feed, list, epaper, page), reading articles and storing them
through the ingest pipeline."""
