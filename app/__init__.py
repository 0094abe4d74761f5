"""rectrack: tracks whether recommendations made to governments are implemented."""

import zoneinfo

# Zone data from the pinned tzdata package, never the OS's: older system data lacks changes people rely on
# (Kazakhstan's single UTC+5 zone since 2024-03-01).
zoneinfo.reset_tzpath(to=())
