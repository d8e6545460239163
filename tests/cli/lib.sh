# Shared helpers for the CLI tests. Each test runs in a fresh temporary directory with
# $OKAERI pointing at the binary under test; a failed check exits non-zero with a message.
set -u
: "${OKAERI:?OKAERI must point at the okaeri binary}"

fail() {
    echo "FAILED: $*" >&2
    exit 1
}

# run EXPECTED_EXIT CMD...: runs okaeri, keeps stdout in $out and stderr in $errout.
run() {
    local want=$1
    shift
    set +e
    out=$("$OKAERI" "$@" 2>stderr.txt)
    local got=$?
    set -e
    errout=$(cat stderr.txt)
    if [ "$got" -ne "$want" ]; then
        echo "--- stdout"; echo "$out"; echo "--- stderr"; echo "$errout"
        fail "okaeri $* exited $got, expected $want"
    fi
}

# contains TEXT HAYSTACK-NAME: checks that $out (or $errout with 'err') contains TEXT.
has() {
    case "$out" in *"$1"*) ;; *) echo "$out"; fail "stdout lacks: $1" ;; esac
}
has_err() {
    case "$errout" in *"$1"*) ;; *) echo "$errout"; fail "stderr lacks: $1" ;; esac
}
lacks() {
    case "$out" in *"$1"*) echo "$out"; fail "stdout should not contain: $1" ;; *) ;; esac
}

# Row count of a query on a SQLite database.
count() {
    sqlite3 "$1" "$2"
}
set -e
