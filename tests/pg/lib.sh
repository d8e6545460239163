# Helpers shared by the shims of the PostgreSQL test run (tests/pg/run).
: "${OKAERI_PG_URL:?}" "${OKAERI_PG_NS:?}"

# The schema that stands for a SQLite file name: per-test prefix + the name, folded to
# [a-z0-9_] (PostgreSQL identifiers are at most 63 bytes).
pg_schema() {
    local name
    name=$(basename "$1" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '_')
    echo "${OKAERI_PG_NS}_${name}" | cut -c1-63
}

pg_psql() {
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        psql "$OKAERI_PG_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# The URL okaeri gets for a target: URLs unchanged, file names mapped to a schema (created
# when missing, as SQLite creates a missing file on init).
pg_target() {
    case "$1" in
    *://*) echo "$1" ;;
    *)
        local schema sep
        schema=$(pg_schema "$1")
        pg_psql -c "CREATE SCHEMA IF NOT EXISTS $schema" >/dev/null 2>&1
        case "$OKAERI_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
        echo "${OKAERI_PG_URL}${sep}options=-csearch_path%3D${schema}"
        ;;
    esac
}
