#!/usr/bin/env bash
# What a row-level security policy costs PostgreSQL itself on a primary-key read, and which
# part of it: pgbench reads one row by id (100,000 rows, prepared, 2 clients) from four copies
# of one table, as a role that cannot bypass row-level security, rounds alternating:
#   - plain:    no policy;
#   - constant: a policy comparing the row's workspace with a constant;
#   - setting:  Attest's policy, the workspace read from the session (`attest_current_workspace()`);
#   - true:     a policy that lets every row through.
# Usage: benches/rls_policy_cost.sh [ROUNDS] [SECONDS]
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-4}
start_server
WORKSPACE=11111111-1111-1111-1111-111111111111
"${PSQL[@]}" -d postgres -c "CREATE DATABASE policy_cost"
PSQL_COST=(psql -X -q -h "$WORK/pgdata" -U attest -d policy_cost -v ON_ERROR_STOP=1)
"${PSQL_COST[@]}" <<SQL
CREATE ROLE policy_reader LOGIN;
CREATE FUNCTION current_workspace() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
RETURN nullif(current_setting('attest.workspace', true), '')::uuid;
DO \$\$ DECLARE t text; BEGIN
FOREACH t IN ARRAY ARRAY['plain', 'constant', 'setting', 'true'] LOOP
  EXECUTE format('CREATE TABLE %I (id integer PRIMARY KEY, workspace_id uuid NOT NULL, body text)', t);
  EXECUTE format('INSERT INTO %I SELECT g, %L, md5(g::text) FROM generate_series(1, 100000) g', t, '$WORKSPACE');
  EXECUTE format('GRANT SELECT ON %I TO policy_reader', t);
END LOOP; END \$\$;
ALTER TABLE constant ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON constant USING (workspace_id = '$WORKSPACE'::uuid);
ALTER TABLE setting ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON setting USING (workspace_id = current_workspace());
ALTER TABLE "true" ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON "true" USING (true);
VACUUM ANALYZE;
SQL
for table in plain constant setting true; do
    printf '\\set id random(1, 100000)\nSELECT body FROM "%s" WHERE id = :id;\n' "$table" >"$WORK/$table.sql"
done
echo "round plain constant setting true (tps; then each / plain)"
for round in $(seq 1 "$ROUNDS"); do
    line="$round"
    for table in plain constant setting true; do
        tps=$(PGOPTIONS="-c attest.workspace=$WORKSPACE" pgbench -h "$WORK/pgdata" -U policy_reader -n -M prepared \
            -c 2 -j 2 -T "$SECONDS_PER_RUN" -f "$WORK/$table.sql" policy_cost 2>&1 | grep -oP 'tps = \K[0-9.]+')
        line="$line $tps"
    done
    echo "$line" | awk '{printf "%s %.0f %.0f %.0f %.0f | %.2f %.2f %.2f\n", $1, $2, $3, $4, $5, $3/$2, $4/$2, $5/$2}'
done
