"""How large a file each importer reads before refusing it: sized for real files, far
beyond them, and small enough that endless input (/dev/zero, a FIFO) ends quickly."""

MiB = 2**20
# A dataset card is a README: the longest real ones are a few hundred kilobytes.
CARD_LIMIT = 8 * MiB
# A Croissant file or a DPI collection summary: real ones are kilobytes to a few MiB.
DOCUMENT_LIMIT = 64 * MiB
# A registry exported by `export json`: about 2 KiB a dataset with its records.
REGISTRY_LIMIT = 2048 * MiB
# A table is streamed, so only time bounds it: 100,000 rows are about 30 MiB.
TABLE_LIMIT = 8192 * MiB
