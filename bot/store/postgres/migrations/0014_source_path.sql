-- Earlier versions of a file are found by its path when it is ingested again (a file that
-- grew since, e.g. one still being written the first time, updates its articles).
CREATE INDEX source_files_path ON source_files(path);
