-- Corrections an admin made that a later extraction must keep (`casebot edit --place`,
-- /article): the most specific primary place chosen for an article. Its chain from the 盟市
-- down becomes the article's primary places whenever the article is extracted again.
-- (Dates and titles are corrected in `articles` itself, with date_origin 'option': a date
-- a person gave.)
CREATE TABLE article_edits (
    article_id    BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    primary_place TEXT COLLATE "C" NOT NULL   -- a place code, as article_places.code
);
