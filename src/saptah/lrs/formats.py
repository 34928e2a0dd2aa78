"""Pure helpers for statements: agent identifiers, timestamps, and the ids / canonical formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

LANG_MAP_KEYS = ("display", "name", "description")


def ifi(agent: dict[str, Any] | None) -> str | None:
    """The normalised inverse functional identifier of an agent or identified group, or None."""
    if not isinstance(agent, dict):
        return None
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).strip().lower()
    if "mbox_sha1sum" in agent:
        return "sha1:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    if "account" in agent and isinstance(agent["account"], dict):
        return f"account:{agent['account'].get('homePage')}|{agent['account'].get('name')}"
    return None


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z, as the LRS writes stored and timestamp."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    """An RFC 7231 date for Last-Modified."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def dumps(value: Any) -> str:
    """Compact JSON, keeping non-ASCII characters."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            out[key] = agent[key]
            return out
    if "member" in agent:
        out["member"] = [_ids_agent(m) for m in agent["member"]]
    return out


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _ids_agent(obj)
    if kind == "SubStatement":
        return ids_format(obj)
    if kind == "Activity":
        return {"id": obj["id"]}
    return dict(obj)


def ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """The `ids` format: agents, activities and verbs reduced to their identifiers."""
    out = dict(statement)
    out["actor"] = _ids_agent(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        out["authority"] = _ids_agent(statement["authority"])
    context = statement.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_agent(context[key])
        acts = context.get("contextActivities")
        if isinstance(acts, dict):
            context["contextActivities"] = {
                k: [_ids_object(a) for a in (v if isinstance(v, list) else [v])] for k, v in acts.items()
            }
        out["context"] = context
    return out


def _pick_language(value: dict[str, str], languages: list[str]) -> dict[str, str]:
    for lang in languages:  # the reader's languages best first; for each, an exact tag before a related one
        for tag, text in value.items():
            if tag.lower() == lang:
                return {tag: text}
        for tag, text in value.items():
            if tag.lower().split("-")[0] == lang.split("-")[0]:
                return {tag: text}
    first = next(iter(value.items()), None)
    return {first[0]: first[1]} if first else {}


def with_definitions(statement: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The statement with each activity it names carrying the LRS's canonical definition, where it has one."""

    def activity(obj: Any) -> Any:
        if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity" and obj.get("id") in definitions:
            return {**obj, "definition": definitions[obj["id"]]}
        return obj

    out = dict(statement)
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        out["object"] = with_definitions(obj, definitions)
    else:
        out["object"] = activity(obj)
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        acts = {
            k: [activity(a) for a in v] if isinstance(v, list) else activity(v)
            for k, v in context["contextActivities"].items()
        }
        out["context"] = {**context, "contextActivities": acts}
    return out


def activity_ids(statement: dict[str, Any]) -> list[str]:
    """The ids of the activities a statement names (its object, a sub-statement's, context activities)."""
    found: list[str] = []
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        found += activity_ids(obj)
    elif isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity" and "id" in obj:
        found.append(str(obj["id"]))
    context = statement.get("context")
    acts = context.get("contextActivities") if isinstance(context, dict) else None
    for value in (acts or {}).values():
        found += [str(a["id"]) for a in (value if isinstance(value, list) else [value]) if isinstance(a, dict)]
    return found


def canonical_format(value: Any, languages: list[str]) -> Any:
    """The `canonical` format: each language map reduced to the best language for the reader."""
    if isinstance(value, list):
        return [canonical_format(v, languages) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in LANG_MAP_KEYS and isinstance(item, dict) and all(isinstance(v, str) for v in item.values()):
            out[key] = _pick_language(item, languages)
        elif key != "extensions":
            out[key] = canonical_format(item, languages)
        else:
            out[key] = item
    return out


def accept_languages(header: str | None) -> list[str]:
    """Languages from an Accept-Language header, best first."""
    ranked: list[tuple[float, str]] = []
    for part in (header or "").split(","):
        bits = part.strip().split(";q=")
        if not bits[0]:
            continue
        try:
            q = float(bits[1]) if len(bits) > 1 else 1.0
        except ValueError:
            q = 0.0
        ranked.append((q, bits[0].lower()))
    return [lang for _q, lang in sorted(ranked, key=lambda r: -r[0])]


def context_activities_as_lists(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement with each single context activity (and a sub-statement's) put in a list, as the LRS must
    return them; None when every one is a list already (the usual case)."""
    changed = False

    def fix(stmt: dict[str, Any]) -> dict[str, Any]:
        nonlocal changed
        out = stmt
        context = stmt.get("context")
        if not isinstance(context, dict):
            context = {}
        acts = context.get("contextActivities")
        if isinstance(acts, dict) and any(isinstance(v, dict) for v in acts.values()):
            changed = True
            lists = {k: [v] if isinstance(v, dict) else v for k, v in acts.items()}
            out = {**stmt, "context": {**context, "contextActivities": lists}}
        obj = stmt.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            sub = fix(obj)
            if sub is not obj:
                out = {**out, "object": sub}
        return out

    fixed = fix(statement)
    return fixed if changed else None


def merge_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge activity definitions: language maps merge per language, other properties take the newest."""
    out = dict(old)
    for key, value in new.items():
        if key in ("name", "description", "extensions") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out
