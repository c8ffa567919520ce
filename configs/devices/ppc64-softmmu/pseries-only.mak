# The pseries machine alone, for the fuzz and sanitizer build
# (scripts/fork/build.sh fuzz): what its hypercalls reach, and what the
# nested scenario of make run gives its L1, nothing more to compile.
CONFIG_PSERIES=y
