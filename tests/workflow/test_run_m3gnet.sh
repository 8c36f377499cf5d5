#!/usr/bin/env bash
# Issue 6, acceptance 5: `vitrum run Li2O --atoms 24 --quick` on the default back end (M3GNet)
# finishes, stores D(T), Ea, RDFs, features and the amorphous-limit energy, and a run killed with
# SIGKILL mid-way and re-run ends with the same report and byte-identical stage files. Skipped in
# sanitizer builds (M3GNet under ASan would take most of CI's time; tests/workflow/test_run.sh
# covers the same code with the pair back end there).
set -u
bin=${VT_BIN:?}
[ -z "${VT_SANITIZED:-}" ] || { echo "skipped: sanitizer build"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
args=(run Li2O --atoms 24 --quick --seed 2)

start=$(date +%s)
"$bin" "${args[@]}" --dir "$tmp/ref" --db "$tmp/ref.db" >"$tmp/ref.out" 2>"$tmp/ref.err" || { cat "$tmp/ref.err"; exit 1; }
echo "uninterrupted run: $(( $(date +%s) - start )) s"
check "stored" "grep -q '^stored: run Li2O-' '$tmp/ref.out'"
check "Arrhenius fit for Li" "grep -q '^Arrhenius Li ' '$tmp/ref.out'"
check "amorphous limit and formation energy" "grep -q '^amorphous limit: .* formation energy ' '$tmp/ref.out'"
info=$("$bin" db info --db "$tmp/ref.db")
check "database: D, Arrhenius, features, RDFs" \
  "echo '$info' | awk '\$1 == \"diffusivities\" && \$2 >= 4 {r++} \$1 == \"arrhenius\" && \$2 >= 1 {r++} \$1 == \"features\" && \$2 >= 63 {r++} \$1 == \"rdfs\" && \$2 == 3 {r++} END {exit r != 4}'"

# killed twice at points spread over the run, then run to the end
kills=0
for wait_s in 8 20; do
  "$bin" "${args[@]}" --dir "$tmp/kill" --no-db >/dev/null 2>&1 &
  pid=$!
  sleep "$wait_s"
  kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  wait "$pid" 2>/dev/null
  # where the kill landed: the stages begun and not finished (for a failure's report)
  find "$tmp/kill" -name thermo.log | sort | while IFS= read -r log; do
    d=$(dirname "$log")
    [ -f "$d/result.json" ] || echo "killed at ${wait_s} s in ${d#"$tmp/kill/"}, last logged step $(tail -n 1 "$log" | awk '{print $1}')"
  done
done
"$bin" "${args[@]}" --dir "$tmp/kill" --no-db >"$tmp/kill.out" 2>"$tmp/kill.err" || { cat "$tmp/kill.err"; fail=$((fail + 1)); }
echo "killed $kills times"
check "report identical after kills" "diff <(grep -v '^stored' '$tmp/ref.out') '$tmp/kill.out' >/dev/null"
differ=0
while IFS= read -r f; do
  rel=${f#"$tmp/ref/"}
  case $rel in *md.chk | *.tmp*) continue ;; esac
  if ! cmp -s "$f" "$tmp/kill/$rel"; then
    differ=$((differ + 1))
    echo "differs: $rel: $(cmp "$f" "$tmp/kill/$rel" 2>&1 | head -n 1)"
    case $rel in *.log) diff "$f" "$tmp/kill/$rel" | head -n 4 ;; esac
  fi
done < <(find "$tmp/ref" -type f | sort)
check "stage files byte-identical" "[ $differ -eq 0 ]"
[ "$fail" -eq 0 ] || exit 1
echo "all checks passed"
