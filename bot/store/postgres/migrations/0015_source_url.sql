-- Where a web page said it lives (its canonical or og:url link), cited in exports.
ALTER TABLE source_files ADD COLUMN url TEXT;
