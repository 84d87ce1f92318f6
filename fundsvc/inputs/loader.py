"""Load a scenario TOML file (and the profiles and tables it references) into a :class:`Scenario`.

File format (all amounts CNY, rates per year)::

    name = "hangzhou_baseline"          # identifier
    title = "..."                       # any text
    extends = "other.toml"              # optional: start from another scenario, override keys
    [simulation]  start_date, horizon_years, time_step, credit_time_step, paths, seed
    [market]      sectors, tech_cycle_loading, residual_correlation, persistence, [market.regime], [market.public_index]
    [profiles]    stages = ["profiles/stages_default.toml"], pd_master_scale = "...", ip_recovery = "..."
    [guidance_fund]  name, size_cny, inception, ...
    [[sub_funds]]    id, name, strategy, vintage, commitment_cny, guidance_share, sector_weights, ...
    [[pools]]        id, name, funders, shares, ...
    [loan_book]      path = "data/loans.csv"     # CSV or Parquet, relative to this file
    [assessment]     scorecard, tolerance, targets

Referenced files must lie inside the scenario file's folder (or ``base_dir`` when given), so a
scenario uploaded by a user cannot read other files on the server.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fundsvc.errors import InputError, Problem
from fundsvc.inputs.encoding import decode_utf8
from fundsvc.inputs.problems import dotted, problems_from_validation
from fundsvc.inputs.tables import read_loan_book, row_location
from models.scenario import Scenario

MAX_SCENARIO_BYTES = 2 * 1024 * 1024
MAX_EXTENDS_DEPTH = 5
MAX_REFERENCE_CHARS = 1024
_LOADER_KEYS = {"extends", "profiles", "loan_book", "schema_version"}
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario together with where it came from.

    Attributes
    ----------
    scenario : Scenario
    path : Path
        The scenario file.
    text : str
        Its TOML text.
    content_sha256 : str
        Hash of the scenario text and every file it references (profiles, loan book), so a
        changed loan book gives a different hash.
    files : tuple of Path
        Every file read, the scenario first.
    loan_book_path : Path or None
    """

    scenario: Scenario
    path: Path
    text: str
    content_sha256: str
    files: tuple[Path, ...] = field(default_factory=tuple)
    loan_book_path: Path | None = None


#: ``[profiles]`` keys that name one TOML file loaded as the scenario key of the same name.
_PROFILE_FILES = ("pd_master_scale", "ip_recovery", "recovery_sources")


@dataclass
class _Origin:
    """Which file each top-level key (and each stage profile) came from, for messages."""

    main: str
    key_file: dict[str, str] = field(default_factory=dict)
    stage_profile_files: list[str] = field(default_factory=list)
    profile_files: dict[str, str] = field(default_factory=dict)
    loan_book: tuple[Path, str] | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_toml(path: Path, display: str | None = None) -> tuple[dict[str, Any], bytes]:
    """Read and parse one TOML file; every failure becomes an :class:`InputError`."""
    display = display or _display(path)
    if not path.exists():
        raise InputError.single(display, "", "file not found")
    if not path.is_file():
        raise InputError.single(display, "", "is not a file")
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise InputError.single(display, "", f"file is {size / 2**20:.1f} MiB; scenario files are limited to 2 MiB")
    raw = path.read_bytes()
    return parse_toml_bytes(raw, display), raw


def parse_toml_bytes(raw: bytes, display: str) -> dict[str, Any]:
    text = decode_utf8(raw, display)  # a UTF-8 byte-order mark is fine; other encodings are named
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(display, "", f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError.single(display, "", "is nested too deeply to be a scenario file") from None


def _resolve(ref: Any, owner: Path, base_dir: Path, owner_display: str, where: str) -> Path:
    if isinstance(ref, Path):  # already resolved against the file that declared it
        return ref
    if not isinstance(ref, str) or not ref.strip():
        raise InputError.single(owner_display, where, f"must be a file path (text), got {ref!r}")
    if "\x00" in ref:
        raise InputError.single(owner_display, where, f"{ref!r} contains a NUL character; not a file path")
    if len(ref) > MAX_REFERENCE_CHARS:
        raise InputError.single(owner_display, where, f"file path of {len(ref)} characters is too long "
                                f"(at most {MAX_REFERENCE_CHARS})")
    p = Path(ref)
    if p.is_absolute():
        raise InputError.single(owner_display, where, f"'{ref}' must be a path relative to the scenario file")
    try:
        full = (owner.parent / p).resolve()
    except (OSError, ValueError) as exc:
        raise InputError.single(owner_display, where, f"'{ref}' is not a usable file path: {exc}") from None
    if not full.is_relative_to(base_dir):
        raise InputError.single(
            owner_display, where, f"'{ref}' points outside the scenario's folder ({base_dir}); not allowed"
        )
    return full


def _resolve_own_references(data: dict[str, Any], path: Path, base_dir: Path, display: str) -> None:
    """Resolve ``[profiles]`` and ``[loan_book]`` paths against the file that declares them, so a
    scenario that ``extends`` a file in another folder still finds that file's profiles."""
    prof = data.get("profiles")
    if isinstance(prof, dict):
        for key in _PROFILE_FILES:
            if isinstance(prof.get(key), str):
                prof[key] = _resolve(prof[key], path, base_dir, display, f"profiles.{key}")
        stages = prof.get("stages")
        if isinstance(stages, str):
            stages = [stages]
        if isinstance(stages, list):
            prof["stages"] = [
                _resolve(r, path, base_dir, display, f"profiles.stages[{i}]") if isinstance(r, str) else r
                for i, r in enumerate(stages)
            ]
    book = data.get("loan_book")
    if isinstance(book, dict) and isinstance(book.get("path"), str):
        book["path"] = _resolve(book["path"], path, base_dir, display, "loan_book.path")


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read_with_extends(path: Path, base_dir: Path, depth: int, hasher, files: list[Path]) -> tuple[dict, dict[str, str]]:
    display = _display(path)
    data, raw = read_toml(path, display)
    hasher.update(raw)
    files.append(path)
    key_file = {k: display for k in data}
    _resolve_own_references(data, path, base_dir, display)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, key_file
    if depth >= MAX_EXTENDS_DEPTH:
        raise InputError.single(display, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of 'extends' (a cycle?)")
    parent = _resolve(parent_ref, path, base_dir, display, "extends")
    if parent in files:
        raise InputError.single(display, "extends", f"'{parent_ref}' is already part of this scenario (a cycle)")
    pdata, pfiles = _read_with_extends(parent, base_dir, depth + 1, hasher, files)
    merged = _deep_merge(pdata, data)
    for k in merged:
        key_file.setdefault(k, pfiles.get(k, display))
    return merged, key_file


def _locator(origin: _Origin):
    def locate(loc: tuple[Any, ...]) -> tuple[str, str]:
        if not loc:
            return origin.main, ""
        head = loc[0]
        if head == "loans" and origin.loan_book is not None and len(loc) >= 2 and isinstance(loc[1], int):
            path, disp = origin.loan_book
            col = next((str(p) for p in loc[2:] if isinstance(p, str)), None)
            return disp, row_location(path, loc[1], col)
        if head == "stage_profiles" and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(origin.stage_profile_files):
            return origin.stage_profile_files[loc[1]], dotted(loc[2:]) or "(whole file)"
        if head in origin.profile_files:
            return origin.profile_files[head], dotted(loc[1:]) or "(whole file)"
        source = origin.key_file.get(str(head), origin.main)
        text = dotted(loc)
        # name list items by their id as well as their position, e.g. sub_funds[2] (id 'bio-seed')
        if len(loc) >= 2 and isinstance(loc[1], int):
            items = origin.data.get(head)
            if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
                ident = items[loc[1]].get("id")
                if isinstance(ident, str):
                    text = f"{head}[{loc[1]}] (id '{ident}')" + (
                        "." + dotted(loc[2:]) if loc[2:] else ""
                    ).replace(".[", "[")
        return source, text

    return locate


def _load_profiles(data: dict[str, Any], path: Path, base_dir: Path, origin: _Origin, hasher, files: list[Path]) -> None:
    prof = data.pop("profiles", None)
    if prof is None:
        return
    src = origin.key_file.get("profiles", origin.main)
    if not isinstance(prof, dict):
        raise InputError.single(src, "profiles", "must be a table")
    unknown = set(prof) - {"stages", *_PROFILE_FILES}
    if unknown:
        raise InputError.single(src, "profiles", f"unknown key(s) {sorted(unknown)}; use stages, {', '.join(_PROFILE_FILES)}")
    stages = prof.get("stages", [])
    if isinstance(stages, str):
        stages = [stages]
    if not isinstance(stages, list):
        raise InputError.single(src, "profiles.stages", "must be a list of file paths")
    loaded = list(data.get("stage_profiles", []))
    origin.stage_profile_files = [src] * len(loaded)
    for i, ref in enumerate(stages):
        f = _resolve(ref, path, base_dir, src, f"profiles.stages[{i}]")
        d, raw = read_toml(f)
        hasher.update(raw)
        files.append(f)
        loaded.append(d)
        origin.stage_profile_files.append(_display(f))
    if loaded:
        data["stage_profiles"] = loaded
    for key in _PROFILE_FILES:
        if key in prof:
            if key in data:
                raise InputError.single(src, f"profiles.{key}", f"given both as a file and as a [{key}] table; keep one")
            f = _resolve(prof[key], path, base_dir, src, f"profiles.{key}")
            d, raw = read_toml(f)
            hasher.update(raw)
            files.append(f)
            data[key] = d
            origin.profile_files[key] = _display(f)


def load_scenario(path: str | Path, *, base_dir: str | Path | None = None) -> LoadedScenario:
    """Load, resolve and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file.
    base_dir : str or Path, optional
        Folder every referenced file must lie in; defaults to the scenario file's folder.

    Returns
    -------
    LoadedScenario

    Raises
    ------
    InputError
        With every problem found, each naming its file and field or row.
    """
    path = Path(path)
    base = Path(base_dir).resolve() if base_dir is not None else path.resolve().parent
    hasher = hashlib.sha256()
    files: list[Path] = []
    data, key_file = _read_with_extends(path.resolve() if path.exists() else path, base, 0, hasher, files)
    origin = _Origin(main=_display(path), key_file=key_file)
    text = decode_utf8(files[0].read_bytes(), origin.main) if files else ""

    version = data.pop("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError.single(origin.main, "schema_version",
                                f"must be the integer {SCHEMA_VERSION} (without quotes), got {version!r}")
    if version != SCHEMA_VERSION:
        raise InputError.single(origin.main, "schema_version", f"version {version} is not supported (this fundsvc reads {SCHEMA_VERSION})")
    _load_profiles(data, path.resolve(), base, origin, hasher, files)

    loan_book_path = None
    book = data.pop("loan_book", None)
    if book is not None:
        src = key_file.get("loan_book", origin.main)
        if not isinstance(book, dict) or set(book) - {"path"} or "path" not in book:
            raise InputError.single(src, "loan_book", "must be a table with one key: path = \"file.csv\"")
        # text paths were resolved against their declaring file when it was read
        loan_book_path = _resolve(book["path"], path.resolve(), base, src, "loan_book.path")
        if "loans" in data:
            raise InputError.single(src, "loan_book", "give loans either inline ([[loans]]) or as a loan_book file, not both")
        disp = _display(loan_book_path)
        data["loans"] = read_loan_book(loan_book_path, disp)
        hasher.update(loan_book_path.read_bytes())
        files.append(loan_book_path)
        origin.loan_book = (loan_book_path, disp)
    origin.data = data

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, _locator(origin))) from None
    return LoadedScenario(
        scenario=scenario, path=path.resolve(), text=text, content_sha256=hasher.hexdigest(),
        files=tuple(files), loan_book_path=loan_book_path,
    )


def load_scenario_bytes(raw: bytes, name: str = "<upload>") -> Scenario:
    """Validate an uploaded scenario given as bytes; it may not reference other files."""
    if len(raw) > MAX_SCENARIO_BYTES:
        raise InputError.single(name, "", f"file is {len(raw) / 2**20:.1f} MiB; scenario files are limited to 2 MiB")
    data = parse_toml_bytes(raw, name)
    refs = [k for k in ("extends", "profiles", "loan_book") if k in data]
    if refs:
        raise InputError.single(name, refs[0], "an uploaded scenario must be self-contained (no file references)")
    data.pop("schema_version", None)
    origin = _Origin(main=name, data=data)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, _locator(origin))) from None


__all__ = ["LoadedScenario", "Problem", "load_scenario", "load_scenario_bytes", "read_toml"]
