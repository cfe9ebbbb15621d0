-- Nothing reads places or cases by the prefecture column: a 盟市 is a code range on the
-- code indexes (every code starts with its 盟市's). Two fewer indexes to update per row at
-- ingest, where article_places takes a dozen rows per article.
DROP INDEX article_places_prefecture;
DROP INDEX cases_prefecture;
