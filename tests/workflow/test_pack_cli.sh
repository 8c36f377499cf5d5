#!/usr/bin/env bash
# test_pack_cli.sh - `vitrum pack` end to end, checked by an independent oracle: Debian's
# python3-ase reads the written files and checks, with its own neighbour list (ase.neighborlist,
# every periodic image) and its own Cordero radii (ase.data.covalent_radii), that every pair i-j is
# at least tolerance * (r_i + r_j) apart; atom counts, composition and density (ASE masses) are
# checked too. Same seed -> identical bytes; different seed -> different file; an impossible
# density -> exit 2 and one line "vitrum: error: ... too high ...".
set -u
bin=${VT_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=$((fail + 1)); }

run() { # run OUT ARGS... : pack and keep the summary line
  local out=$1; shift
  "$bin" pack "$@" --out "$tmp/$out" >"$tmp/$out.log" 2>"$tmp/$out.err" || die "pack $* (exit $?): $(cat "$tmp/$out.err")"
  grep -q "formula units" "$tmp/$out.log" || die "pack $*: no summary line"
}
run a.xyz Li2O --atoms 100 --density 2.01 --seed 5
run b.xyz Li2O --atoms 100 --density 2.01 --seed 5
run c.xyz Li2O --atoms 100 --density 2.01 --seed 6
run d.vasp LiPS4 --atoms 300 --density 2.2 --tolerance 0.8
run e.cif Li3B --atoms 64 --seed 3 --shape 1,1.2,1.5,80,95,100
run f.xyz LiF --atoms 64 --density 2.0 --tolerance 0 --min-dist 2.0
cmp -s "$tmp/a.xyz" "$tmp/b.xyz" || die "same seed, different files"
cmp -s "$tmp/a.xyz" "$tmp/c.xyz" && die "different seeds, same file"
cat "$tmp/a.xyz.log"

if /usr/bin/python3 -c 'import ase.io, ase.neighborlist, numpy' 2>/dev/null; then
  /usr/bin/python3 - "$tmp" <<'EOF' || fail=$((fail + 1))
import sys
import numpy as np
from ase.data import covalent_radii
from ase.io import read
from ase.neighborlist import neighbor_list

tmp = sys.argv[1]
AMU_A3_TO_G_CM3 = 1.66053906660
cases = [  # file, tolerance, floor (A), reduced formula counts per unit, units, density (None: any)
    ("a.xyz", 0.75, 0.0, {"Li": 2, "O": 1}, 34, 2.01),
    ("d.vasp", 0.8, 0.0, {"Li": 1, "P": 1, "S": 4}, 50, 2.2),
    ("e.cif", 0.75, 0.0, {"Li": 3, "B": 1}, 16, None),
    ("f.xyz", 0.0, 2.0, {"Li": 1, "F": 1}, 32, 2.0),
]
bad = 0
for name, tol, floor, per_unit, units, rho in cases:
    at = read(f"{tmp}/{name}")
    syms = at.get_chemical_symbols()
    counts = {s: syms.count(s) for s in set(syms)}
    want = {s: n * units for s, n in per_unit.items()}
    r = covalent_radii[at.numbers]
    dmax = max(tol * 2 * r.max(), floor)
    i, j, d = neighbor_list("ijd", at, 1.5 * dmax)  # beyond d_max too: the closest pairs are shown
    dmin = np.maximum(tol * (r[i] + r[j]), floor)
    ratio = (d / dmin).min() if len(d) else np.inf
    dens = at.get_masses().sum() / at.get_volume() * AMU_A3_TO_G_CM3
    ok = counts == want and ratio >= 1.0 and (rho is None or abs(dens - rho) < 2e-3 * rho)  # ASE masses differ from pymatgen's (Li 6.94 vs 6.941)
    # an atom with its own images: the shortest lattice vector, by ASE's reduced cell
    short = min(np.linalg.norm(v) for v in at.cell.minkowski_reduce()[0])
    ok = ok and short >= max(tol * 2 * r.max(), floor)
    print(f"ase {name:7s} {len(at):4d} atoms {dens:.4f} g/cm^3  pairs within 1.5 d_max {len(d) // 2:5d}  "
          f"min r/d_min {ratio:.6f}  {'ok' if ok else 'FAIL'}")
    bad += not ok
sys.exit(1 if bad else 0)
EOF
else
  echo "note: /usr/bin/python3 cannot import ase: oracle part skipped"
fi

# refusals: one line, exit 2
expect_error() { # expect_error FRAGMENT ARGS...
  local frag=$1; shift
  "$bin" pack "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF -- "$frag" "$tmp/err"; then
    die "pack $*: exit $rc, want 2 and one line with '$frag':"; head -3 "$tmp/err"
  fi
}
expect_error "too high for the minimum distances" Li2O --atoms 100 --density 6 --out "$tmp/x.xyz"
expect_error "not both" Li2O --atoms 10 --density 2 --volume 100 --out "$tmp/x.xyz"
expect_error "--atoms N is required" Li2O --out "$tmp/x.xyz"
expect_error "unknown option" Li2O --atoms 10 --out "$tmp/x.xyz" --bogus 1
expect_error "unknown element" LiXx --atoms 10 --out "$tmp/x.xyz"
expect_error "--shape" Li2O --atoms 10 --out "$tmp/x.xyz" --shape 1,1
[ -e "$tmp/x.xyz" ] && die "a refused packing wrote a file"
[ $fail -eq 0 ] && echo "all pack CLI checks passed"
exit $((fail > 0))
