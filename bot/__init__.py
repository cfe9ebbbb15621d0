"""casebot core: ingest, store, search, digest and statistics. Never imports `telegram`."""
