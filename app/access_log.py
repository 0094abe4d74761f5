"""The access log as a place where monitors are not exposed: no client addresses, no query strings."""

import logging

ACCESS_LOGGER = "uvicorn.access"


class PrivateAccessLog(logging.Filter):
    """Rewrites uvicorn's access records: the address becomes '-' unless asked for, the query is dropped.

    Query strings can carry what must stay private (an evidence URL looked up, a reason); the path and the
    status are enough to run a server.
    """

    def __init__(self, *, client_addresses: bool) -> None:
        super().__init__()
        self.client_addresses = client_addresses

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact one record in place; never drops it."""
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            path = str(path).split("?", 1)[0]
            record.args = (client if self.client_addresses else "-", method, path, version, status)
        return True


def install_private_access_log(*, client_addresses: bool) -> None:
    """Put the filter on uvicorn's access logger once per process (the app may be built several times)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for existing in [f for f in logger.filters if isinstance(f, PrivateAccessLog)]:
        logger.removeFilter(existing)
    logger.addFilter(PrivateAccessLog(client_addresses=client_addresses))
