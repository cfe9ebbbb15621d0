-- Which Han characters each indexed article holds (bot/segment.py han_set): a one-character
-- query is one doclist here instead of a prefix scan over every bigram of article_fts.
-- Document lists only (detail none): presence is all a character query asks.
CREATE VIRTUAL TABLE article_chars USING fts5(
    chars, content = '', detail = 'none', columnsize = 0, tokenize = 'unicode61 remove_diacritics 0'
);

INSERT INTO article_chars (rowid, chars)
SELECT id, han_set(title || ' ' || text) FROM articles WHERE duplicate_of IS NULL;
