"""lammps_charges.py IN OUT "El q El q ..." - a LAMMPS data file of vitrum (atomic style, Masses
comments "# El") rewritten in charge style (id type q x y z) for LAMMPS' atom_style charge; other
sections (Velocities) are kept. The charges are scaled by sqrt(14.3996454784 / 14.399645), so that
LAMMPS' q_i q_j qqr2e (metal units) equals vitrum's q_i q_j ke (CODATA 2018): comparisons are of
the methods, not of the two values of the constant. Used by tests/calc/test_lammps_oracle.sh and
bench/md.sh."""
import sys

src, dst, spec = sys.argv[1], sys.argv[2], sys.argv[3].split()
scale = (14.3996454784 / 14.399645) ** 0.5
q_of = {el: float(q) * scale for el, q in zip(spec[0::2], spec[1::2])}
types, out, section = {}, [], None
for ln in open(src).read().split("\n"):
    s = ln.split("#")[0].split()
    head = ln.strip()
    if head.startswith("Masses"):
        section = "masses"
    elif head.startswith("Atoms"):
        section, ln = "atoms", "Atoms # charge"
    elif head and head[0].isalpha():
        section = None
    elif section == "masses" and len(s) == 2:
        types[s[0]] = ln.split("#")[1].strip()
    elif section == "atoms" and len(s) >= 5:
        ln = " ".join([s[0], s[1], repr(q_of[types[s[1]]])] + s[2:])
    out.append(ln)
open(dst, "w").write("\n".join(out))
