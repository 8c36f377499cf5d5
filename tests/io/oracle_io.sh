#!/bin/bash
# oracle_io.sh - vitrum's structure files against Debian's python3-ase (3.22) and python3-pymatgen
# (2022.11.7), both ways, on a random triclinic cell of 16 atoms (5 elements, velocities):
#   oracle reads vitrum's file:  POSCAR (ASE, pymatgen), extxyz (ASE, 1 and 3 frames), XDATCAR
#     (ASE, 3 frames), CIF (ASE, pymatgen: lengths, angles, fractional coordinates; atoms matched
#     by element and nearest periodic distance since pymatgen sorts them), LAMMPS data (ASE,
#     style atomic; vitrum rotates the cell into LAMMPS form, so the reference is vitrum's own
#     reading of the file), pymatgen JSON (Structure.from_dict).
#   vitrum reads the oracle's file: POSCAR (ASE Direct and Cartesian, pymatgen with velocities),
#     extxyz (ASE, 2 frames), XDATCAR (ASE), LAMMPS data (ASE, element map by specorder),
#     pymatgen JSON (as_dict); the reference is the oracle's own reading of its file (ASE writes
#     extxyz positions with 8 decimals: both sides read the same digits).
# Positions and lattice must agree to 1e-10 A, velocities to 1e-10 A/fs, species exactly. The
# largest deviation of each comparison is printed.
# Usage: oracle_io.sh path/to/io_driver (CTest passes it). Skips (exit 77) when /usr/bin/python3
# (Debian's, not the first python3 on PATH) cannot import ase and pymatgen.
set -euo pipefail
driver=${1:?usage: oracle_io.sh path/to/io_driver}
if ! /usr/bin/python3 -c 'import ase.io, pymatgen.core, numpy' 2>/dev/null; then
    echo "skipped: /usr/bin/python3 cannot import ase and pymatgen"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$driver" write 20240611 "$tmp"

/usr/bin/python3 - "$driver" "$tmp" <<'EOF'
import json, subprocess, sys, warnings
import numpy as np
from ase import units
from ase.geometry import cellpar_to_cell
from ase.io import read, write
from ase.io.lammpsdata import read_lammps_data, write_lammps_data
from ase.io.vasp import write_vasp_xdatcar
from pymatgen.core import Structure
from pymatgen.io.cif import CifParser
from pymatgen.io.vasp import Poscar

warnings.filterwarnings("ignore")
driver, tmp = sys.argv[1], sys.argv[2]
TOL = 1e-10
ref = json.load(open(f"{tmp}/ref.json"))["frames"]
rows = []


def frame(lattice, Z, pos, vel=None):
    return {"lattice": np.asarray(lattice, float), "Z": [int(z) for z in Z],
            "pos": np.asarray(pos, float), "vel": None if vel is None else np.asarray(vel, float)}


def as_frames(dump):
    return [frame(f["lattice"], f["Z"], f["pos"], f["vel"]) for f in dump["frames"]]


def vitrum(path, fmt, *types):
    out = subprocess.run([driver, "dump", path, fmt, *map(str, types)], check=True,
                         capture_output=True, text=True).stdout
    return as_frames(json.loads(out))


def from_ase(a, with_vel=False):
    vel = a.get_velocities() * units.fs if with_vel else None  # ASE velocity unit -> A/fs
    return frame(a.cell.array, a.numbers, a.positions, vel)


def from_pmg(s):
    vel = s.site_properties.get("velocities")
    return frame(s.lattice.matrix, s.atomic_numbers, s.cart_coords, vel)


def compare(name, got, want, check_vel=False):
    got, want = list(got), list(want)
    dev = 0.0
    ok = len(got) == len(want)
    for g, w in zip(got, want):
        ok &= g["Z"] == w["Z"]
        dev = max(dev, np.abs(g["lattice"] - w["lattice"]).max(), np.abs(g["pos"] - w["pos"]).max())
        if check_vel:
            ok &= g["vel"] is not None and w["vel"] is not None
            if ok:
                dev = max(dev, np.abs(g["vel"] - w["vel"]).max())
    ok &= dev <= TOL
    rows.append((name, len(got), dev, ok))


def cif_dev(lat_par, frac, Z):
    """Deviation (A) of a CIF reading from ref frame 0: cell rebuilt from the parameters in ASE's
    orientation, atoms matched by element and nearest periodic image."""
    r = ref[0]
    L0 = np.array(r["lattice"])
    par0 = np.r_[np.linalg.norm(L0, axis=1),
                 [np.degrees(np.arccos(L0[j] @ L0[k] / np.linalg.norm(L0[j]) / np.linalg.norm(L0[k])))
                  for j, k in ((1, 2), (0, 2), (0, 1))]]
    C0, C1 = cellpar_to_cell(par0), cellpar_to_cell(lat_par)
    dev = np.abs(C0 - C1).max()
    f0 = np.array(r["pos"]) @ np.linalg.inv(L0)
    for z, f in zip(Z, frac):
        d = (f0 - f)
        d -= np.round(d)
        dist = np.linalg.norm(d @ C0, axis=1)
        dist[np.array(r["Z"]) != z] = np.inf
        dev = max(dev, dist.min())
    return dev


R = [frame(f["lattice"], f["Z"], f["pos"], f["vel"]) for f in ref]
# --- oracles read vitrum's files ---------------------------------------------------------------
compare("POSCAR   vitrum -> ASE", [from_ase(read(f"{tmp}/vt.vasp", format="vasp"))], R[:1])
compare("POSCAR   vitrum -> pymatgen", [from_pmg(Poscar.from_file(f"{tmp}/vt.vasp").structure)], R[:1], True)
a = read(f"{tmp}/vt.xyz", format="extxyz")
compare("extxyz   vitrum -> ASE", [frame(a.cell.array, a.numbers, a.positions, a.arrays["vel"])], R[:1], True)
compare("extxyz   vitrum -> ASE (3 frames)",
        [frame(a.cell.array, a.numbers, a.positions, a.arrays["vel"]) for a in read(f"{tmp}/vt_traj.xyz", index=":")], R, True)
compare("XDATCAR  vitrum -> ASE (3 frames)", [from_ase(a) for a in read(f"{tmp}/XDATCAR", index=":", format="vasp-xdatcar")], R)
a = read(f"{tmp}/vt.cif")
dev = cif_dev(a.cell.cellpar(), a.get_scaled_positions(wrap=False), a.numbers)
rows.append(("CIF      vitrum -> ASE", 1, dev, dev <= TOL and len(a) == len(R[0]["Z"])))
s = CifParser(f"{tmp}/vt.cif").get_structures(primitive=False)[0]
dev = cif_dev(s.lattice.parameters, s.frac_coords, s.atomic_numbers)
rows.append(("CIF      vitrum -> pymatgen", 1, dev, dev <= TOL and len(s) == len(R[0]["Z"])))
types = list(dict.fromkeys(R[0]["Z"]))  # vitrum numbers types by first appearance
a = read_lammps_data(f"{tmp}/vt.data", style="atomic", Z_of_type={t + 1: z for t, z in enumerate(types)})
compare("LAMMPS   vitrum -> ASE", [from_ase(a, True)], vitrum(f"{tmp}/vt.data", "lammps-data"), True)
s = Structure.from_dict(json.load(open(f"{tmp}/vt.json")))
compare("pmg-json vitrum -> pymatgen", [from_pmg(s)], R[:1], True)

# --- vitrum reads the oracles' files -----------------------------------------------------------
atoms = read(f"{tmp}/vt.xyz", format="extxyz")
atoms.set_velocities(atoms.arrays.pop("vel") / units.fs)
for direct in (True, False):
    write(f"{tmp}/ase.vasp", atoms, format="vasp", direct=direct)
    compare(f"POSCAR   ASE ({'Direct' if direct else 'Cartesian'}) -> vitrum", vitrum(f"{tmp}/ase.vasp", "poscar"),
            [from_ase(read(f"{tmp}/ase.vasp", format="vasp"))])
moved = atoms.copy()
moved.positions += 0.1
write(f"{tmp}/ase.xyz", [atoms, moved], format="extxyz")
compare("extxyz   ASE -> vitrum (2 frames)", vitrum(f"{tmp}/ase.xyz", "extxyz"),
        [from_ase(a) for a in read(f"{tmp}/ase.xyz", index=":")])
write_vasp_xdatcar(f"{tmp}/ase.XDATCAR", [atoms, moved])
compare("XDATCAR  ASE -> vitrum (2 frames)", vitrum(f"{tmp}/ase.XDATCAR", "xdatcar"),
        [from_ase(a) for a in read(f"{tmp}/ase.XDATCAR", index=":", format="vasp-xdatcar")])
species = sorted(set(atoms.get_chemical_symbols()))
Z_of = {sym: int(z) for sym, z in zip(atoms.get_chemical_symbols(), atoms.numbers)}
write_lammps_data(f"{tmp}/ase.data", atoms, specorder=species, velocities=True, units="metal")
back = read_lammps_data(f"{tmp}/ase.data", style="atomic", units="metal",
                        Z_of_type={t + 1: Z_of[sym] for t, sym in enumerate(species)})
compare("LAMMPS   ASE -> vitrum", vitrum(f"{tmp}/ase.data", "lammps-data", *[Z_of[s] for s in species]),
        [from_ase(back, True)], True)
s = Structure(atoms.cell.array, atoms.get_chemical_symbols(), atoms.positions, coords_are_cartesian=True,
              site_properties={"velocities": (atoms.get_velocities() * units.fs).tolist()})
Poscar(s).write_file(f"{tmp}/pmg.vasp")
compare("POSCAR   pymatgen -> vitrum", vitrum(f"{tmp}/pmg.vasp", "poscar"),
        [from_pmg(Poscar.from_file(f"{tmp}/pmg.vasp").structure)], True)
json.dump(s.as_dict(), open(f"{tmp}/pmg.json", "w"))
compare("pmg-json pymatgen -> vitrum", vitrum(f"{tmp}/pmg.json", "pmg-json"),
        [from_pmg(Structure.from_dict(json.load(open(f"{tmp}/pmg.json"))))], True)

print(f"{'comparison':40s} frames  max deviation (A, A/fs)")
for name, n, dev, ok in rows:
    print(f"{name:40s} {n:6d}  {dev:9.2e}  {'ok' if ok else 'FAIL'}")
bad = [r[0] for r in rows if not r[3]]
if bad:
    print("FAIL:", ", ".join(bad))
    sys.exit(1)
print(f"all {len(rows)} comparisons within {TOL:g}")
EOF
