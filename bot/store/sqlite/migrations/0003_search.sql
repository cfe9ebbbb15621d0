-- The index's vocabulary with document counts: what typos are corrected towards.
CREATE VIRTUAL TABLE article_vocab USING fts5vocab(article_fts, 'col');
