-- The index's vocabulary with document counts, what typos are corrected towards: kept as
-- articles are indexed and unindexed (postgres/search.py), because reading it from the
-- tsvectors (ts_stat) reads every article's index: 8 s for 100,000 articles, against
-- FTS5's vocabulary table, which reads only its terms.
CREATE TABLE index_words (
    word TEXT PRIMARY KEY,
    docs INTEGER NOT NULL
);
