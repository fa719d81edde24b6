"""Per-object verdicts from the OASIS stix2-validator, for the agreement test.

Reads a JSON document {"cases": [{"name": str, "bundleVersion": str|null, "objects": [...]}]}
on stdin and writes {"name": [{"index": i, "id": str|null, "valid": bool, "errors": [str]}]}.

Each object is checked the way `validate_instance` checks a bundle member: its schemas
(`_schema_validate` with the bundle's spec_version) and the MUST checks. SHOULD checks are
warnings in the validator's default (non-strict) mode, so they do not change a verdict.

`--bench FILE...` instead times `validate_parsed_json` on each file (for bench-validate.ts).
"""
import json
import sys

from stix2validator import ValidationOptions
from stix2validator import validator as v


def verdict(obj, options, bundle_version):
    if not isinstance(obj, dict) or 'type' not in obj or 'id' not in obj:
        return False, ["not a STIX object with 'type' and 'id'"]
    errors = []
    try:
        for gen, prefix in v._schema_validate(obj, options, bundle_version):
            for err in gen:
                errors.append(prefix + v.pretty_error(err, False))
        for err in v._iter_errors_custom(obj, v._get_musts(options), options):
            errors.append(v.pretty_error(err, False))
    except Exception as ex:  # the validator raises on some malformed input
        errors.append('%s: %s' % (type(ex).__name__, ex))
    return not errors, errors


def bench(paths):
    """Times the validator's own entry point on whole files: prints objects and seconds."""
    import time
    from stix2validator import validate_parsed_json
    out = []
    for path in paths:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
        start = time.perf_counter()
        validate_parsed_json(doc, ValidationOptions())
        out.append({'file': path, 'objects': len(doc.get('objects', [])),
                    'seconds': time.perf_counter() - start})
    json.dump(out, sys.stdout)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--bench':
        return bench(sys.argv[2:])
    doc = json.load(sys.stdin)
    out = {}
    for case in doc['cases']:
        results = []
        for i, obj in enumerate(case['objects']):
            options = ValidationOptions()
            ok, errors = verdict(obj, options, case.get('bundleVersion'))
            results.append({
                'index': i,
                'id': obj.get('id') if isinstance(obj, dict) else None,
                'valid': ok,
                'errors': errors,
            })
        out[case['name']] = results
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
