"""Reads the exports written by test/interop/exports.test.ts with each format's own tools and
prints what they understood as JSON. Any parser refusing a line or a file exits non-zero."""
import json
import pathlib
import sys

from idstools import rule as idstools_rule
from misp_stix_converter import MISPtoSTIX21Parser
from parsezeeklogs import read_zeek
from pymisp import MISPEvent
from suricataparser import parse_rule


def rules(path, with_suricataparser):
    out = []
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        r = idstools_rule.parse(line)
        if r is None:
            sys.exit(f"idstools could not parse: {line}")
        entry = {
            "sid": r["sid"], "rev": r["rev"], "msg": r["msg"], "metadata": r["metadata"],
            "proto": r["proto"], "source_addr": r["source_addr"], "dest_addr": r["dest_addr"],
        }
        if with_suricataparser:
            s = parse_rule(line)
            if s is None:
                sys.exit(f"suricataparser could not parse: {line}")
            entry["suricataparser"] = {"sid": s.sid, "rev": s.rev, "options": [o.name for o in s.options]}
        out.append(entry)
    return out


def main(folder):
    d = pathlib.Path(folder)
    out = {
        "suricata": rules(d / "suricata.rules", True),
        "snort": rules(d / "snort.rules", False),
        "zeek": [dict(r) for r in read_zeek(str(d / "intel.dat"))],
    }
    event = MISPEvent()
    event.load_file(str(d / "event.json"))
    out["misp"] = {
        "info": event.info,
        "tags": [t.name for t in event.tags],
        "attributes": [
            {"type": a.type, "category": a.category, "value": a.value, "to_ids": a.to_ids, "tags": [t.name for t in a.tags]}
            for a in event.attributes
        ],
    }
    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(json.loads((d / "event.json").read_text()))
    objects = parser.stix_objects
    out["misp_stix"] = {
        "types": sorted({o["type"] for o in objects}),
        "patterns": sorted(o["pattern"] for o in objects if o["type"] == "indicator"),
        "errors": {str(k): [str(x) for x in v] for k, v in dict(parser.errors or {}).items()},
        "warnings": {str(k): [str(x) for x in v] for k, v in dict(parser.warnings or {}).items()},
    }
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
