"""URL checks (RFC 3986) and normalisation, so one article is one evidence item whatever its spelling."""

import re
from urllib.parse import quote, urlsplit, urlunsplit

from app.inputs import has_hidden_characters

ALLOWED_SCHEMES = {"http", "https"}
DEFAULT_PORTS = {"http": 80, "https": 443}
# What RFC 3986 lets stand unescaped in a path or query, and existing %XX escapes.
URI_SAFE = "/?#[]@!$&'()*+,;=-._~%:"
HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalise_url(url: str) -> str:
    """The URL as stored and shown, or ValueError when it is not a plain http(s) URL with a host."""
    # Scheme and host lower-cased, the host in ASCII (IDNA: a look-alike Cyrillic host shows as xn--...),
    # non-ASCII in path and query percent-encoded, the default port and the fragment dropped.
    if any(character.isspace() for character in url) or has_hidden_characters(url):
        # urlsplit would silently drop a newline or tab: a decoy could then pass for another URL.
        raise ValueError("URLs must not contain spaces, control or invisible characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise ValueError("only http and https URLs with a host are accepted")
    if "@" in parts.netloc:
        raise ValueError("URLs with credentials are not accepted")
    host = _ascii_host(parts.hostname)
    port = parts.port  # ValueError when it is not a number in range
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path or "/", safe=URI_SAFE)
    query = quote(parts.query, safe=URI_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _ascii_host(hostname: str) -> str:
    if ":" in hostname:  # an IPv6 literal, already checked by urlsplit's brackets
        return f"[{hostname}]"
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError("the host is not a valid domain name") from None
    labels = ascii_host.rstrip(".").split(".")
    if not all(HOST_LABEL.match(label) for label in labels):
        raise ValueError("the host is not a valid domain name")
    return ascii_host
