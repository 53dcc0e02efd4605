-- Tags are stored with the apostrophe Ukrainian orthography prescribes,
-- U+02BC (ʼ): CKAN rejects tags with an ASCII apostrophe (') or U+2019 (’),
-- so a tag written with either is rewritten here once, as every write now
-- normalises it (misto_core::names::normalize_tag). `tags` is a JSON list
-- of strings, where neither character can be part of the syntax, so the
-- replacement only touches tag text. The catalog version is bumped and the
-- rewritten rows take it as their `seq`, so running instances reload them.
UPDATE catalog_state SET version = version + 1
WHERE EXISTS (SELECT 1 FROM datasets WHERE tags LIKE '%''%' OR tags LIKE '%’%');

UPDATE datasets
SET tags = REPLACE(REPLACE(tags, '''', 'ʼ'), '’', 'ʼ'),
    seq = (SELECT version FROM catalog_state WHERE id = 1)
WHERE tags LIKE '%''%' OR tags LIKE '%’%';
