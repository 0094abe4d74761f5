"""Backups that lose nothing: a streamed, versioned, checksummed bundle of the database, optionally encrypted.

`tables` decides what goes in, `records` how a line looks, `writer` exports, `reader` reads back and checks,
`crypto` seals and opens the encrypted framing, `load` restores into an empty database.
"""
