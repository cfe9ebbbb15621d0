-- 栏目: filters read the ids of a column's articles from here instead of visiting every
-- article row (whose text pages lie in between).
CREATE INDEX articles_column ON articles(column_name);
