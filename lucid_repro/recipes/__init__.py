"""One module per article section or classic technique, each a thin recipe on
`lucid_repro.optvis` (and `lucid_repro.gl` for 3D). None has its own loop, and none
writes files: each section's demo() and writers live in `lucid_repro.sections`."""
