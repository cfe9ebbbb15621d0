-- Which Han characters each indexed article holds (bot/segment.py han_set): a one-character
-- query is one lookup here instead of a prefix scan over every bigram of article_fts.
-- Lexemes only, without positions: presence is all a character query asks.
CREATE TABLE article_chars (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    chars      TSVECTOR NOT NULL
);
CREATE INDEX article_chars_chars ON article_chars USING GIN (chars);

-- No backfill (SQLite's 0004 indexes the articles stored before it): casebot always creates
-- a PostgreSQL library from empty with every migration, so articles does not yet have rows.
