"""From a raw file to stored articles: read → normalise → split → segment → store."""
