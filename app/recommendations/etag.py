"""Strong ETags that carry a recommendation's version."""


def etag_for(version: int) -> str:
    """The strong ETag of a recommendation at this version."""
    return f'"{version}"'


def version_from_if_match(header: str) -> int | None:
    """The version an If-Match header names, or None when it names none we could have issued."""
    candidate = header.strip()
    if candidate.startswith("W/"):
        return None  # If-Match uses strong comparison: a weak tag never matches
    if len(candidate) >= 2 and candidate[0] == candidate[-1] == '"':
        candidate = candidate[1:-1]
    return int(candidate) if candidate.isdigit() and len(candidate) < 12 else None


def versions_in_if_match(header: str) -> list[int]:
    """Every version named by an If-Match list; tags we could not have issued are ignored."""
    versions = (version_from_if_match(part) for part in header.split(","))
    return [version for version in versions if version is not None]
