"""URL checks and normalisation, so one article is one evidence item whatever its spelling."""

from urllib.parse import urlsplit, urlunsplit

ALLOWED_SCHEMES = {"http", "https"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port and the fragment; keep path and query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise ValueError("only http and https URLs with a host are accepted")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        raise ValueError("URLs with credentials are not accepted")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
