-- The filters a record of the searched table (`r`) that matches the readings ($1) meets: $2
-- speaker, $3 source, $4 publisher, $5 language, $6 status, $7 and $8 the source's publication
-- dates. The names in braces are the table's columns, filled in by db::search.
r.deleted_at IS NULL
AND ($2::uuid IS NULL OR {speaker} = $2)
AND ($3::uuid IS NULL OR {source} = $3)
AND ($5::text IS NULL OR r.language = $5)
AND ($6::text IS NULL OR {status} = $6)
-- The source is looked at only when a filter needs it.
AND (($4::text IS NULL AND $7::timestamptz IS NULL AND $8::timestamptz IS NULL)
     OR EXISTS (SELECT 1 FROM sources s
                 WHERE s.id = {source}
                   AND ($4::text IS NULL OR s.publisher = $4)
                   AND ($7::timestamptz IS NULL OR s.published_at >= $7)
                   AND ($8::timestamptz IS NULL OR s.published_at < $8)))
