"""What an article is about: its places, cases, key figures, speakers and topics."""
