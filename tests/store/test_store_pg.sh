#!/usr/bin/env bash
# test_store_pg.sh - the store tests again on a real PostgreSQL (a throwaway cluster, pg.sh): the
# unit tests (test_store), 8 concurrent writers and the killed writer (test_store_writers), and the
# CLI round trips and bad-input cases (test_db_cli.sh), each on a fresh database. Skipped (77)
# when Debian's postgresql package is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests_bin=$(dirname "$VT_BIN")/tests
# shellcheck source=pg.sh
source "$here/pg.sh"
rc=0; pg_start || rc=$?
[ "$rc" = 0 ] || exit "$rc"

VT_STORE_URL=$(pg_newdb unit) "$tests_bin/test_store"
VT_STORE_URL=$(pg_newdb writers) "$tests_bin/test_store_writers"
VT_STORE_PG=1 bash "$here/test_db_cli.sh"
echo "postgresql: all store tests passed"
