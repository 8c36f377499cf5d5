#!/usr/bin/python3
"""Oracle for vitrum's TF m3gnet model (--calc m3gnet:model=efs): the forward pass of the TensorFlow
m3gnet MP-2021.2.8-EFS model in float64 numpy, written from materialsvirtuallab/m3gnet's source
(m3gnet/models/_m3gnet.py, layers/_atom.py, _bond.py, _three_body.py, utils/_math.py), not from
vitrum's C code. Energy only; forces and stress by central finite differences of it.

Weights, by TF name: from the TF checkpoint itself when a folder with m3gnet.index,
m3gnet.data-00000-of-00001 and m3gnet.json is given (--ckpt), else from vitrum's converted folder
(models/m3gnet-mp-2021.2.8-efs), mapped back to TF names with tools/m3gnet_tf_convert.py's table.

    m3gnet_tf_numpy.py selftest [--ckpt DIR]          the values the TF repository's tests assert
    m3gnet_tf_numpy.py eval STRUCT.json [--ckpt DIR]  {Z, pos, cell} -> {E, F (selected), stress}
"""
import itertools
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("VT_SOURCE", os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tools"))
import m3gnet_tf_convert as conv  # noqa: E402  (checkpoint reader and the TF <-> matgl name table)

EV_PER_A3_IN_GPA = 160.21766208


class Model:
    def __init__(self, ckpt=None):
        if ckpt:
            rec = json.loads(open(os.path.join(ckpt, "m3gnet.json")).read())
            self.cfg = (json.loads(rec) if isinstance(rec, str) else rec)["config"]
            raw = conv.read_checkpoint(os.path.join(ckpt, "m3gnet"))
            self.w = {k.replace("/.ATTRIBUTES/VARIABLE_VALUE", ""): v.astype(np.float64) for k, v in raw.items()}
            self.refs = np.asarray(self.cfg["element_refs"], dtype=np.float64)
            self.std, self.mean = self.cfg["std"], self.cfg["mean"]
            return
        d = os.path.join(SRC, "models", "m3gnet-mp-2021.2.8-efs")
        self.cfg = json.load(open(os.path.join(d, "model.json")))["config"]
        blob = open(os.path.join(d, "weights.bin"), "rb").read()
        t = {}
        for e in json.load(open(os.path.join(d, "weights.json")))["tensors"]:
            t[e["name"]] = np.frombuffer(blob, "<f4", int(np.prod(e["shape"])), e["offset"]).reshape(e["shape"])
        self.w = {}
        for mname, tname, transpose in conv.tf_to_matgl(self.cfg["n_blocks"]):
            x = t[mname].astype(np.float64)
            if mname == "model.embedding.layer_node_embedding.weight":
                x = np.vstack([np.zeros((1, x.shape[1])), x])  # TF rows are indexed by Z
            self.w[tname] = x.T if transpose else x
        # the config's values in double, as TF's Python floats (vitrum stores float32 copies)
        self.refs = np.asarray(self.cfg["element_refs"], dtype=np.float64)
        self.std, self.mean = self.cfg["std"], self.cfg["mean"]

    # ------------------------------------------------------------------ layers
    def dense(self, x, p, act=None, bias=True):
        y = x @ self.w[p + "/kernel"]
        if bias:
            y = y + self.w[p + "/bias"]
        return act(y) if act else y

    def gated(self, x, p, acts, bias=True):
        """m3gnet's GatedMLP: pipe (acts) times gate (same, sigmoid last)."""
        a, g = x, x
        for l, act in enumerate(acts):
            a = self.dense(a, f"{p}/pipe/layers/{l}", act, bias)
            g = self.dense(g, f"{p}/gate/layers/{l}", sigmoid if l == len(acts) - 1 else act, bias)
        return a * g

    def energy(self, Z, pos, cell):
        rc, rc3 = self.cfg["cutoff"], self.cfg["threebody_cutoff"]
        src, dst, vec = neighbours(pos, cell, rc)
        d = np.linalg.norm(vec, axis=1)
        ij, ik = triplets(src, d, rc3)
        cos = np.clip(np.sum(vec[ij] * vec[ik], 1) / (d[ij] * d[ik]), -1, 1)
        Y = np.stack([np.full_like(cos, 0.5 / np.sqrt(np.pi)), np.sqrt(3 / (4 * np.pi)) * cos,
                      np.sqrt(5 / (16 * np.pi)) * (3 * cos ** 2 - 1)], 1)
        basis3 = sbf9(d[ik], rc) * np.repeat(Y, 3, axis=1)        # [T, 9], column l*3+n
        fc = poly_cut(d, rc3)
        w3 = (fc[ij] * fc[ik])[:, None]
        rbf = smooth3(d, rc)                                        # [B, 3]
        v = self.w["featurizer/atom_network/embedding/embeddings"][np.asarray(Z)]
        e = swish(rbf @ self.w["feature_adjust/update_func/pipe/layers/0/kernel"])
        for k in range(self.cfg["n_blocks"]):
            p = f"three_interactions/{k}"
            A = self.dense(v, p + "/update_network/pipe/layers/0", sigmoid)[dst[ik]]
            t = np.zeros((len(d), 9))
            np.add.at(t, ij, basis3 * A * w3)
            e = e + self.gated(t, p + "/update_network2", [swish], bias=False)
            p = f"graph_layers/{k}"
            x = np.concatenate([v[src], v[dst], e], 1)
            e = e + self.gated(x, p + "/bond_network/update_func", [swish, swish]) * (
                rbf @ self.w[p + "/bond_network/weight_func/kernel"])
            x = np.concatenate([v[src], v[dst], e], 1)
            msg = self.gated(x, p + "/atom_network/bond_dense", [swish, swish]) * swish(
                rbf @ self.w[p + "/atom_network/weight_update/kernel"])
            dv = np.zeros_like(v)
            np.add.at(dv, src, msg)                                 # onto the centre atom i of i -> j
            v = v + dv
        out = self.gated(v, "final/layers/0/atom_network/update_func", [swish, swish, None])
        return float(out.sum() * self.std + self.mean * len(Z) + self.refs[np.asarray(Z)].sum())


def swish(x):
    return x / (1 + np.exp(-x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


ROOTS = np.array([[np.pi, 2 * np.pi, 3 * np.pi],
                  [4.493409457909103, 7.725251836937707, 10.90412165942925],
                  [5.7634591968945506, 9.095011330476355, 12.322940970567036]])


def sph_jn(l, x):
    s, c = np.sin(x), np.cos(x)
    return [s / x, s / x ** 2 - c / x, (3 / x ** 3 - 1 / x) * s - 3 * c / x ** 2,
            (15 / x ** 4 - 6 / x ** 2) * s - (15 / x ** 3 - 1 / x) * c][l]


def sbf9(r, rc):
    """Non-smooth spherical Bessel radial functions of the three-body basis, column l*3+n."""
    return np.concatenate([sph_jn(l, r[:, None] * ROOTS[l][None, :] / rc) * np.sqrt(2 / rc ** 3)
                           / np.abs(sph_jn(l + 1, ROOTS[l]))[None, :] for l in range(3)], axis=1)


def smooth3(r, rc, max_n=3):
    """Smooth Bessel basis of the two-body part (m3gnet's SmoothBesselBasis / _get_lambda_func)."""
    en = [i ** 2 * (i + 2) ** 2 / (4 * (i + 1) ** 4 + 1) for i in range(max_n)]
    dn = [1.0]
    for i in range(1, max_n):
        dn.append(1 - en[i] / dn[-1])
    f = []
    for i in range(max_n):
        a, b = r * (i + 1) * np.pi / rc, r * (i + 2) * np.pi / rc
        f.append((-1) ** i * np.sqrt(2.0) * np.pi / rc ** 1.5 * (i + 1) * (i + 2) / np.sqrt((i + 1) ** 2 + (i + 2) ** 2)
                 * (np.sin(a) / a + np.sin(b) / b))
    g = [f[0]]
    for i in range(1, max_n):
        g.append(1 / np.sqrt(dn[i]) * (f[i] + np.sqrt(en[i] / dn[i - 1]) * g[-1]))
    return np.stack(g, axis=1)


def poly_cut(r, rc):
    x = r / rc
    return np.where(r <= rc, 1 - 6 * x ** 5 + 15 * x ** 4 - 10 * x ** 3, 0.0)


def neighbours(pos, cell, rc):
    """Bonds i -> j + image with 0 < d <= rc, grouped by i (brute force over enough images)."""
    pos, cell = np.asarray(pos, float), np.asarray(cell, float)
    heights = np.abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
    reach = [int(np.ceil(rc / h)) + 1 for h in heights]
    src, dst, vec = [], [], []
    n = len(pos)
    for img in itertools.product(*[range(-m, m + 1) for m in reach]):
        r = pos[None, :, :] + np.asarray(img) @ cell - pos[:, None, :]   # [i, j, 3]
        d = np.linalg.norm(r, axis=2)
        i, j = np.nonzero((d <= rc) & (d > 1e-8))
        src.append(i), dst.append(j), vec.append(r[i, j])
    src, dst, vec = np.concatenate(src), np.concatenate(dst), np.concatenate(vec)
    order = np.argsort(src, kind="stable")
    assert n == 0 or src.size == 0 or src.max() < n
    return src[order], dst[order], vec[order]


def triplets(src, d, rc3):
    """Ordered pairs (ij, ik) of distinct bonds of one centre, both <= rc3."""
    short = np.nonzero(d <= rc3)[0]
    ij, ik = [], []
    for i in np.unique(src[short]):
        b = short[src[short] == i]
        a, c = np.meshgrid(b, b, indexing="ij")
        keep = a != c
        ij.append(a[keep]), ik.append(c[keep])
    if not ij:
        return np.zeros(0, int), np.zeros(0, int)
    return np.concatenate(ij), np.concatenate(ik)


def strained(pos, cell, a, b, h):
    e = np.eye(3)
    e[a, b] += h if a == b else h / 2
    if a != b:
        e[b, a] += h / 2
    return pos @ e, cell @ e


def fd_force(m, Z, pos, cell, i, k, h=1e-4):
    p = pos.copy()
    p[i, k] += h
    ep = m.energy(Z, p, cell)
    p[i, k] -= 2 * h
    return -(ep - m.energy(Z, p, cell)) / (2 * h)


def fd_stress(m, Z, pos, cell, a, b, h=1e-5):
    """(1/V) dE/d(strain), GPa; L' = L (I + eps), eps symmetric."""
    ep = m.energy(Z, *strained(pos, cell, a, b, h))
    em = m.energy(Z, *strained(pos, cell, a, b, -h))
    return (ep - em) / (2 * h) / abs(np.linalg.det(cell)) * EV_PER_A3_IN_GPA


def selftest(m):
    cell = np.eye(3) * 3.30
    frac = np.array([[0, 0, 0], [0.5, 0.5, 0.5]])
    E = m.energy([42, 42], frac @ cell, cell)
    s = fd_stress(m, [42, 42], frac @ cell, cell, 0, 0)
    pos = np.array([[0, 0, 0], [0.5, 0.5, 0.5]])
    E2 = m.energy([42, 42], pos, cell)
    F = fd_force(m, [42, 42], pos, cell, 0, 0)
    print(f"bcc Mo a=3.30: E = {E:.5f} eV (TF test -21.3307), stress xx = {s:.6f} GPa (TF test 28.519585)")
    print(f"Mo2 (0,0,0),(.5,.5,.5) A: E = {E2:.5f} eV (TF test 325.37271), F0x = {F:.4f} eV/A (TF test -673.525)")
    ok = abs(E + 21.3307) < 1e-3 and abs(s - 28.519585) < 1e-2 and abs(E2 - 325.37271) < 1e-3 and abs(F + 673.525) < 1e-3
    return 0 if ok else 1


def main(argv):
    ckpt = argv[argv.index("--ckpt") + 1] if "--ckpt" in argv else None
    m = Model(ckpt)
    if argv[1] == "selftest":
        return selftest(m)
    st = json.load(open(argv[2]))
    Z, pos, cell = st["Z"], np.asarray(st["pos"], float), np.asarray(st["cell"], float)
    out = {"energy_eV": m.energy(Z, pos, cell),
           "forces": [[i, k, fd_force(m, Z, pos, cell, i, k)] for i, k in st["force_components"]],
           "stress": [[a, b, fd_stress(m, Z, pos, cell, a, b)] for a, b in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))]}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
