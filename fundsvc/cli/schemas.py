"""JSON Schemas of the ``--json`` output of the read commands (a contract for scripts; the tests
validate every ``--json`` output against them).

Amounts are CNY, shares and rates decimals, dates ISO 8601 — raw values, not display text.
"""

from __future__ import annotations

_NUM = {"type": ["number", "null"]}
_STR = {"type": ["string", "null"]}

RUN = {
    "type": "object",
    "required": ["id", "scenario", "scenario_id", "status", "seed", "paths", "chunk_size", "created", "duration_s"],
    "properties": {
        "id": {"type": "integer"}, "scenario": {"type": "string"}, "scenario_id": {"type": "integer"},
        "status": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        "seed": {"type": "integer"}, "paths": {"type": "integer"}, "chunk_size": {"type": "integer"},
        "created": {"type": "string", "format": "date-time"}, "duration_s": _NUM, "label": _STR,
    },
}

RUNS_LIST = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "fundsvc runs list --json",
             "type": "object", "required": ["runs"], "properties": {"runs": {"type": "array", "items": RUN}}}

RUNS_SHOW = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "fundsvc runs show --json",
    "type": "object", "required": ["run", "timings_s", "tables", "artifacts"],
    "properties": {
        "run": {**RUN, "properties": {**RUN["properties"], "executor": {"type": "string"}, "error": _STR,
                                      "artifact_dir": {"type": "string"}, "parameters": {"type": "object"}}},
        "timings_s": {"type": "object", "additionalProperties": {"type": "number"}},
        "tables": {"type": "array", "items": {"type": "object", "required": ["name", "rows", "columns"], "properties": {
            "name": {"type": "string"}, "rows": {"type": "integer"}, "columns": {"type": "array", "items": {"type": "string"}}}}},
        "artifacts": {"type": "array", "items": {"type": "object", "required": ["name", "rows", "bytes", "sha256", "path"]}},
    },
}

SCENARIOS_LIST = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "fundsvc scenarios list --json",
    "type": "object", "required": ["scenarios"],
    "properties": {"scenarios": {"type": "array", "items": {
        "type": "object", "required": ["file", "valid"],
        "properties": {"file": {"type": "string"}, "valid": {"type": "boolean"}, "title": _STR,
                       "sub_funds": {"type": "integer"}, "guidance_committed_cny": _NUM, "pools": {"type": "integer"},
                       "loans": {"type": "integer"}, "error": _STR}}}},
}

ASSESS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "fundsvc assess --json",
    "type": "object",
    "required": ["run_id", "scenario", "basis", "basis_text", "verdict", "verdict_text", "actuals", "score", "rating",
                 "loss_ratio", "tolerated_loss_ratio", "scorecard"],
    "properties": {
        "run_id": {"type": "integer"}, "scenario": {"type": "string"}, "basis": {"enum": ["simulated", "realised"]},
        "basis_text": {"type": "object", "required": ["zh", "en"]},
        "verdict": {"type": ["string", "null"]}, "verdict_text": {"type": "object", "required": ["zh", "en"]},
        "actuals": {"type": ["object", "null"], "properties": {"import_id": {"type": "integer"}, "source": _STR}},
        "as_of": _STR, "score": _NUM, "score_p5": _NUM, "score_p95": _NUM, "rating": {"type": "string"},
        "loss_ratio": _NUM, "tolerated_loss_ratio": _NUM,
        "percentiles": {"type": "object", "additionalProperties": _NUM},
        "scorecard": {"type": "array", "items": {"type": "object", "required": ["indicator", "value", "target", "points"]}},
    },
}
