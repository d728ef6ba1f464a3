"""Reads a saveconfig.json with rtslib-fb (Debian's python3-rtslib-fb) as far as that goes
without a kernel: the file as RTSRoot.restore_from_file loads it, each storage object's
arguments as RTSRoot.restore hands them to its class, each target's and ACL's wwn through the
fabric's normalization as Target and NodeACL take them, and each LUN's storage object and
mapped LUN's TPG LUN as LUN.setup and MappedLUN.setup find them.

Usage: target_save_rtslib_check.py FILE [NAME...]
Prints "target <fabric> <configfs name>" and "acl <fabric> <target> <configfs name>" for what a
restore would create, then "refused <NAME>" or "accepted <NAME> <wwn>" for each srpt NAME given;
exits 1 after printing "problem: ..." lines when something would fail.
"""

import inspect
import json
import sys

from rtslib_fb.fabric import FabricModule
from rtslib_fb.tcm import bs_params, so_mapping
from rtslib_fb.utils import RTSLibError, dict_remove, normalize_wwn


def main():
    with open(sys.argv[1]) as f:
        config = json.loads(f.read())
    problems = []

    objects = set()
    for so in config.get("storage_objects", []):
        cls = so_mapping.get(so.get("plugin"))
        if cls is None or "name" not in so:
            problems.append(f"storage object without a known plugin or a name: {so}")
            continue
        kwargs = so.copy()
        dict_remove(kwargs, ("exists", "attributes", "plugin", "buffered_mode", "alua_tpgs"))
        try:
            inspect.signature(cls.__init__).bind(None, **kwargs)
        except TypeError as e:
            problems.append(f"storage object {so['name']}: {e}")
        objects.add((bs_params[cls]["name"], so["name"]))

    for t in config.get("targets", []):
        fm = FabricModule(t["fabric"])
        wwn, _ = fm.to_normalized_wwn(t["wwn"])
        if wwn != t["wwn"]:
            problems.append(f"target {t['wwn']} is not normalized ({wwn})")
        print(f"target {t['fabric']} {fm.to_fabric_wwn(wwn)}")
        for tpg in t.get("tpgs", []):
            tag = int(tpg["tag"])
            luns = set()
            for lun in tpg.get("luns", []):
                bs_name, so_name = lun["storage_object"].split("/")[2:]
                if (bs_name, so_name) not in objects:
                    problems.append(f"tpg {tag} lun {lun['index']}: no {lun['storage_object']}")
                luns.add(lun["index"])
            for acl in tpg.get("node_acls", []):
                node_wwn, _ = normalize_wwn(fm.wwn_types, acl["node_wwn"])
                print(f"acl {t['fabric']} {fm.to_fabric_wwn(wwn)} {fm.to_fabric_wwn(node_wwn)}")
                for mlun in acl.get("mapped_luns", []):
                    if "index" not in mlun or mlun.get("tpg_lun") not in luns:
                        problems.append(f"acl {acl['node_wwn']}: mapped lun {mlun}")
                    if not isinstance(mlun.get("write_protect"), bool):
                        problems.append(f"acl {acl['node_wwn']}: write_protect of {mlun}")

    srpt = FabricModule("srpt")
    for name in sys.argv[2:]:
        try:
            wwn, _ = srpt.to_normalized_wwn(name)
            print(f"accepted {name} {wwn}")
        except RTSLibError:
            print(f"refused {name}")

    for p in problems:
        print(f"problem: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
