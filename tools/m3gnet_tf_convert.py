#!/usr/bin/python3
"""Convert the TensorFlow m3gnet potential MP-2021.2.8-EFS (materialsvirtuallab/m3gnet,
pretrained/MP-2021.2.8-EFS/: m3gnet.index, m3gnet.data-00000-of-00001, m3gnet.json) into vitrum's
M3GNet container: OUT/weights.bin (raw little-endian float32), OUT/weights.json (name, dtype, shape,
offset, nbytes of each tensor) and OUT/model.json (variant "m3gnet-tf" and the TF config verbatim).

    tools/m3gnet_tf_convert.py SRC_DIR OUT_DIR

Needs /usr/bin/python3 and numpy only (the checkpoint is read without TensorFlow: a TF V2
checkpoint is a leveldb SSTable index of BundleEntryProto records plus one raw data file; every
block and tensor checksum (crc32c) is verified).

Tensors get matgl's names (the loader, src/calc/m3gnet_load.c, checks the same names for both
models) and PyTorch's layout: a TF Dense kernel [in, out] is transposed to [out, in]. The values are
the checkpoint's float32 bits, unchanged. What is not a checkpoint tensor comes from m3gnet.json:
data_std, data_mean, the element references (TF keeps them as Python floats; the TF model computes
in float32, so they are stored as float32 like every other tensor) and the basis cutoffs.
Rows of the TF atom embedding and of the element references are indexed by Z (row 0 unused);
vitrum's model type of an element is Z - 1, so row 0 is dropped (the loader maps Z 1..94 itself).
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np

# ------------------------------------------------------------------ TF checkpoint (tensor bundle)
_CRC = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def unmask(m):
    rot = (m - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def varint(buf, pos):
    out = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7


def fields(buf):
    """(field number, value) of a serialized protobuf message (wire types 0, 2, 5)."""
    pos = 0
    while pos < len(buf):
        tag, pos = varint(buf, pos)
        wt = tag & 7
        if wt == 0:
            v, pos = varint(buf, pos)
        elif wt == 2:
            n, pos = varint(buf, pos)
            v, pos = bytes(buf[pos:pos + n]), pos + n
        elif wt == 5:
            v, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        elif wt == 1:
            v, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        else:
            raise ValueError(f"protobuf wire type {wt}")
        yield tag >> 3, v


def block(data, off, size):
    """An uncompressed SSTable block, its trailer checksum verified."""
    if data[off + size] != 0:
        raise ValueError(f"SSTable block at {off} is compressed")
    if unmask(struct.unpack_from("<I", data, off + size + 1)[0]) != crc32c(data[off:off + size + 1]):
        raise ValueError(f"SSTable block at {off}: checksum mismatch")
    raw = data[off:off + size]
    restarts = struct.unpack_from("<I", raw, len(raw) - 4)[0]
    end, pos, key = len(raw) - 4 - 4 * restarts, 0, b""
    while pos < end:
        shared, pos = varint(raw, pos)
        own, pos = varint(raw, pos)
        vlen, pos = varint(raw, pos)
        key = key[:shared] + bytes(raw[pos:pos + own])
        pos += own
        yield key, bytes(raw[pos:pos + vlen])
        pos += vlen


def read_checkpoint(prefix):
    """{name: float32 ndarray} of every numeric tensor of the bundle PREFIX.index / PREFIX.data-*."""
    idx = open(prefix + ".index", "rb").read()
    if struct.unpack_from("<Q", idx, len(idx) - 8)[0] != 0xDB4775248B80FB57:
        raise ValueError(prefix + ".index: not an SSTable")
    p = len(idx) - 48
    _, p = varint(idx, p)
    _, p = varint(idx, p)
    ioff, p = varint(idx, p)
    isize, p = varint(idx, p)
    entries = {}
    for _, handle in block(idx, ioff, isize):
        boff, q = varint(handle, 0)
        bsize, _ = varint(handle, q)
        for key, val in block(idx, boff, bsize):
            if key:
                entries[key.decode()] = dict(fields(val))
    data = open(prefix + ".data-00000-of-00001", "rb").read()
    out = {}
    for name, e in entries.items():
        off, size = e.get(4, 0), e.get(5, 0)
        raw = data[off:off + size]
        if e.get(3, 0) != 0:
            raise ValueError(f"{name}: tensor in another shard")
        if e.get(1) == 7:  # DT_STRING: the object graph, not a weight
            continue
        if e.get(1) != 1:
            raise ValueError(f"{name}: dtype {e.get(1)}, expected float32")
        if unmask(e[6]) != crc32c(raw):
            raise ValueError(f"{name}: checksum mismatch")
        shape = [dict(fields(d)).get(1, 0) for fn, d in fields(e.get(2, b"")) if fn == 2]
        out[name] = np.frombuffer(raw, dtype="<f4").reshape(shape)
    return out


# ------------------------------------------------------------------ TF name -> matgl name
def tf_to_matgl(n_blocks):
    """[(matgl name, TF name or None, transpose)] in the loader's order; TF names without the
    '/.ATTRIBUTES/VARIABLE_VALUE' suffix. Dense layer l of a TF gated MLP is matgl's index 2 l."""
    m = [("model.embedding.layer_node_embedding.weight", "featurizer/atom_network/embedding/embeddings", False),
         ("model.embedding.layer_edge_embedding.layers.0.weight", "feature_adjust/update_func/pipe/layers/0/kernel", True)]
    for b in range(n_blocks):
        tb, mt = f"three_interactions/{b}", f"model.three_body_interactions.{b}"
        m += [(f"{mt}.update_network_atom.layers.0.weight", f"{tb}/update_network/pipe/layers/0/kernel", True),
              (f"{mt}.update_network_atom.layers.0.bias", f"{tb}/update_network/pipe/layers/0/bias", False),
              (f"{mt}.update_network_bond.layers.0.weight", f"{tb}/update_network2/pipe/layers/0/kernel", True),
              (f"{mt}.update_network_bond.gates.0.weight", f"{tb}/update_network2/gate/layers/0/kernel", True)]
        gl, mg = f"graph_layers/{b}", f"model.graph_layers.{b}.conv"
        for tf_mlp, mname in ((f"{gl}/bond_network/update_func", "edge_update_func"),
                              (f"{gl}/atom_network/bond_dense", "node_update_func")):
            m += gated(f"{mg}.{mname}", tf_mlp, 2)
        m += [(f"{mg}.edge_weight_func.weight", f"{gl}/bond_network/weight_func/kernel", True),
              (f"{mg}.node_weight_func.weight", f"{gl}/atom_network/weight_update/kernel", True)]
    m += gated("model.final_layer.gated", "final/layers/0/atom_network/update_func", 3)
    return m


def gated(mname, tfname, n_layers):
    out = []
    for l in range(n_layers):
        for tpath, mpath in (("pipe", "layers"), ("gate", "gates")):
            out += [(f"{mname}.{mpath}.{2 * l}.weight", f"{tfname}/{tpath}/layers/{l}/kernel", True),
                    (f"{mname}.{mpath}.{2 * l}.bias", f"{tfname}/{tpath}/layers/{l}/bias", False)]
    return out


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    src, out = argv[1], argv[2]
    prefix = os.path.join(src, "m3gnet")
    cfg_text = json.loads(open(prefix + ".json").read())  # the file holds a JSON string of JSON
    record = json.loads(cfg_text) if isinstance(cfg_text, str) else cfg_text
    cfg = record["config"]
    nt = cfg["n_atom_types"]
    ck = read_checkpoint(prefix)
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    tensors = [("data_mean", np.float32(cfg["mean"])), ("data_std", np.float32(cfg["std"])),
               ("model.bond_expansion.rbf.cutoff", np.float32(cfg["cutoff"])),
               ("model.basis_expansion.sbf.cutoff", np.float32(cfg["cutoff"]))]
    used = set()
    for mname, tname, transpose in tf_to_matgl(cfg["n_blocks"]):
        x = ck[tname + suffix]
        used.add(tname + suffix)
        if mname == "model.embedding.layer_node_embedding.weight":
            if x.shape[0] != nt + 1:
                raise ValueError(f"{tname}: {x.shape[0]} rows, expected n_atom_types + 1 = {nt + 1}")
            x = x[1:]  # row Z -> type Z - 1
        tensors.append((mname, x.T if transpose else x))
    refs = np.asarray(cfg["element_refs"], dtype=np.float64)
    if refs.shape != (nt + 1,) or refs[0] != 0:
        raise ValueError(f"element_refs: expected {nt + 1} values indexed by Z")
    tensors.append(("element_refs.property_offset", refs[1:].astype(np.float32)))
    left = sorted(set(ck) - used)
    if left:
        raise ValueError(f"checkpoint tensors not converted: {left}")
    os.makedirs(out, exist_ok=True)
    index, blob, off = [], bytearray(), 0
    for name, x in tensors:
        b = np.ascontiguousarray(x, dtype="<f4").tobytes()
        index.append({"name": name, "dtype": "f32", "shape": list(np.shape(x)), "offset": off, "nbytes": len(b)})
        blob += b
        off += len(b)
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(out, "weights.json"), "w") as f:
        json.dump({"format": "little-endian raw tensors, row-major; offsets in bytes into weights.bin",
                   "tensors": index}, f, indent=1)
        f.write("\n")
    model = {
        "@class": "M3GNet",
        "@module": "m3gnet.models (TensorFlow, materialsvirtuallab/m3gnet)",
        "variant": "m3gnet-tf",
        "comment": "vitrum's record of the TF model: 'config' is m3gnet.json's config, verbatim. The "
                   "model type of an element is Z - 1 (Z = 1..n_atom_types); data_mean, data_std and the "
                   "element references are in weights.bin as float32 (tools/m3gnet_tf_convert.py).",
        "source": {"repository": "https://github.com/materialsvirtuallab/m3gnet",
                   "path": "pretrained/MP-2021.2.8-EFS",
                   "sha256": {f: sha256(os.path.join(src, f)) for f in
                              ("m3gnet.index", "m3gnet.data-00000-of-00001", "m3gnet.json")}},
        "class_name": record["class_name"],
        "config": cfg,
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")
    print(f"{len(tensors)} tensors, {off} bytes -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
