#!/usr/bin/python3
"""m3gnet_torch.py - an independent PyTorch implementation of the pretrained M3GNet potential
(M3GNet-MP-2021.2.8-PES, Chen & Ong, Nat. Comput. Sci. 2, 718 (2022)) for bench/m3gnet.sh: the
reference vitrum's C implementation is timed against, and a second oracle for energies, forces
and stress. Written from the model folder's REFERENCE.md; forces and stress by autograd.

Reads the same weights (weights.json + weights.bin + model.json) as vitrum. The graph: every
ordered pair i -> j within 5 A (periodic images and self-images included, from ASE's neighbour
list), triplets of bonds of one atom both within 4 A, consistent indexing (vitrum's default).

usage: m3gnet_torch.py MODEL_DIR STRUCTURE [--evals N] [--threads T] [--seed S]
Prints JSON: energy_eV, forces (eV/A), stress_GPa (3x3, ASE sign: (1/V) dE/d(strain)), and, with
--evals N > 0, seconds per force evaluation (graph + energy + forces + stress) over N evaluations
of randomly displaced copies (0.02 A), as in MD steps.
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
from ase.io import read
from ase.neighborlist import neighbor_list

EV_PER_A3_IN_GPA = 160.21766208
ROOTS = [[3.141592653589793, 6.283185307179586, 9.42477796076938],
         [4.493409457909103, 7.725251836937707, 10.90412165942925],
         [5.7634591968945506, 9.095011330476355, 12.322940970567036]]


def load(model_dir):
    meta = json.load(open(f"{model_dir}/weights.json"))
    raw = open(f"{model_dir}/weights.bin", "rb").read()
    w = {}
    for t in meta["tensors"]:
        a = np.frombuffer(raw, "<f4", count=t["nbytes"] // 4, offset=t["offset"]).reshape(t["shape"])
        w[t["name"]] = torch.tensor(a.copy())
    args = json.load(open(f"{model_dir}/model.json"))["kwargs"]["model"]["init_args"]
    return w, args


def sph_jn(l, x):
    s, c = torch.sin(x), torch.cos(x)
    if l == 0:
        return s / x
    if l == 1:
        return s / x**2 - c / x
    if l == 2:
        return (3 / x**3 - 1 / x) * s - 3 * c / x**2
    return (15 / x**4 - 6 / x**2) * s - (15 / x**3 - 1 / x) * c


def radial_basis(d, rc):
    """e_ln(d), 9 columns in order l * 3 + n."""
    d = torch.clamp(d, max=rc)
    cols = []
    for l in range(3):
        for n in range(3):
            z = ROOTS[l][n]
            norm = math.sqrt(2 / rc**3) / abs(float(sph_jn(l + 1, torch.tensor(z, dtype=torch.float64))))
            cols.append(norm * sph_jn(l, z * d / rc))
    return torch.stack(cols, dim=1)


def gated(w, prefix, x, n_layers, last_silu):
    a, b = x, x
    for l in range(n_layers):
        a = a @ w[f"{prefix}.layers.{2 * l}.weight"].T + w[f"{prefix}.layers.{2 * l}.bias"]
        b = b @ w[f"{prefix}.gates.{2 * l}.weight"].T + w[f"{prefix}.gates.{2 * l}.bias"]
        if l < n_layers - 1:
            a, b = torch.nn.functional.silu(a), torch.nn.functional.silu(b)
    if last_silu:
        a = torch.nn.functional.silu(a)
    return a * torch.sigmoid(b)


class Graph:
    """Bonds and triplets of one structure (index arrays; geometry is recomputed with autograd)."""

    def __init__(self, atoms, rc, rc3):
        i, j, S = neighbor_list("ijS", atoms, rc, self_interaction=False)
        order = np.lexsort((j, i))
        self.i, self.j, self.S = i[order], j[order], S[order].astype(np.float64)
        d = np.linalg.norm(atoms.positions[self.j] + self.S @ atoms.cell.array - atoms.positions[self.i], axis=1)
        short = np.nonzero(d <= rc3)[0]  # grouped by atom i (bonds sorted by i)
        owner = self.i[short]
        count = np.bincount(owner, minlength=len(atoms))
        first = np.cumsum(count) - count
        rep = count[owner]  # each short bond pairs with every short bond of its atom
        recv_pos = np.repeat(np.arange(len(short)), rep)
        local = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        other_pos = first[owner][recv_pos] + local
        keep = recv_pos != other_pos
        recv, other = short[recv_pos[keep]], short[other_pos[keep]]
        self.recv = torch.tensor(np.array(recv, dtype=np.int64))
        self.other = torch.tensor(np.array(other, dtype=np.int64))
        self.ti, self.tj = torch.tensor(self.i), torch.tensor(self.j)
        self.S_t = torch.tensor(self.S)


def energy(w, args, types, g, pos, cell, n_bonds):
    F = args["units"]
    rc, rc3 = args["cutoff"], args["threebody_cutoff"]
    r = pos[g.tj] + g.S_t.to(pos.dtype) @ cell - pos[g.ti]
    d = torch.linalg.norm(r, dim=1)
    rbf = radial_basis(d, rc)
    x = d / rc3
    fc = torch.where(d <= rc3, 1 - 10 * x**3 + 15 * x**4 - 6 * x**5, torch.zeros_like(d))
    r1, r2 = r[g.recv], r[g.other]
    cos = (r1 * r2).sum(1) / (d[g.recv] * d[g.other])
    cos = torch.clamp(cos, -1 + 1e-7, 1 - 1e-7)
    Y = torch.stack([torch.full_like(cos, 0.5 / math.sqrt(math.pi)), math.sqrt(3 / (4 * math.pi)) * cos,
                     math.sqrt(5 / (16 * math.pi)) * (3 * cos**2 - 1)], dim=1)
    wt = rbf[g.other] * Y.repeat_interleave(3, dim=1) * (fc[g.recv] * fc[g.other])[:, None]
    wt = wt.float()
    rbf = rbf.float()
    v = w["model.embedding.layer_node_embedding.weight"][types]
    e = torch.nn.functional.silu(rbf @ w["model.embedding.layer_edge_embedding.layers.0.weight"].T
                                 + w["model.embedding.layer_edge_embedding.layers.0.bias"])
    k_atom = g.tj[g.other]
    for blk in range(args["nblocks"]):
        p = f"model.three_body_interactions.{blk}"
        A = torch.sigmoid(v @ w[f"{p}.update_network_atom.layers.0.weight"].T + w[f"{p}.update_network_atom.layers.0.bias"])
        t = torch.zeros(n_bonds, 9).index_add(0, g.recv, wt * A[k_atom])
        e = e + torch.nn.functional.silu(t @ w[f"{p}.update_network_bond.layers.0.weight"].T) * \
            torch.sigmoid(t @ w[f"{p}.update_network_bond.gates.0.weight"].T)
        c = f"model.graph_layers.{blk}.conv"
        e = e + gated(w, f"{c}.edge_update_func", torch.cat([v[g.ti], v[g.tj], e], 1), 3, True) * \
            (rbf @ w[f"{c}.edge_weight_func.weight"].T)
        msg = gated(w, f"{c}.node_update_func", torch.cat([v[g.ti], v[g.tj], e], 1), 3, True) * \
            (rbf @ w[f"{c}.node_weight_func.weight"].T)
        v = v + torch.zeros_like(v).index_add(0, g.tj, msg)
    out = gated(w, "model.final_layer.gated", v, 4, False)
    E = w["data_std"].double() * out.double().sum() + w["data_mean"].double() * len(types)
    return E + w["element_refs.property_offset"][types].double().sum()


def evaluate(w, args, atoms, type_of):
    types = torch.tensor([type_of[s] for s in atoms.get_chemical_symbols()])
    g = Graph(atoms, args["cutoff"], args["threebody_cutoff"])
    pos0 = torch.tensor(atoms.positions, dtype=torch.float64)
    cell0 = torch.tensor(atoms.cell.array, dtype=torch.float64)
    pos0.requires_grad_(True)
    strain = torch.zeros(3, 3, dtype=torch.float64, requires_grad=True)
    eye = torch.eye(3, dtype=torch.float64)
    E = energy(w, args, types, g, pos0 @ (eye + strain), cell0 @ (eye + strain), len(g.i))
    gpos, gstrain = torch.autograd.grad(E, [pos0, strain])
    stress = gstrain.numpy() / atoms.get_volume() * EV_PER_A3_IN_GPA
    return float(E), (-gpos).numpy(), 0.5 * (stress + stress.T)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("structure")
    ap.add_argument("--evals", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    w, args = load(a.model_dir)
    type_of = {s: k for k, s in enumerate(args["element_types"])}
    atoms = read(a.structure)
    E, F, S = evaluate(w, args, atoms, type_of)
    res = {"energy_eV": E, "forces": F.tolist(), "stress_GPa": S.tolist(), "torch": torch.__version__,
           "threads": a.threads}
    if a.evals > 0:
        rng = np.random.default_rng(a.seed)
        moved = atoms.copy()
        t0 = time.perf_counter()
        for _ in range(a.evals):
            moved.positions = atoms.positions + rng.uniform(-0.02, 0.02, atoms.positions.shape)
            evaluate(w, args, moved, type_of)
        res["seconds_per_eval"] = (time.perf_counter() - t0) / a.evals
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
