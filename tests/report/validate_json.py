#!/usr/bin/env python3
"""validate_json.py SCHEMA DOCUMENT...: validates each JSON document against a JSON Schema with
python3-jsonschema (the draft is taken from the schema's $schema). Prints every error with its JSON
path and exits 1 if any document is invalid. Used by tests/report/report_schema_test.cpp."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path, encoding="utf-8"))
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            bad += 1
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: /{where}: {err.message[:300]}")
    print(f"{len(sys.argv) - 2} document(s), {bad} error(s), validator {cls.__name__}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
