#!/bin/sh
# Event handler for interop tests: records each event's SERF_* environment and
# stdin into $RECORD_DIR (one file per event), and answers queries.
out="$RECORD_DIR/$(date +%s%N)-$$"
{
  env | grep '^SERF_' | sort
  echo "--- stdin"
  cat
} > "$out.tmp"
mv "$out.tmp" "$out"
if [ "$SERF_EVENT" = "query" ]; then
  printf 'pong from %s' "$SERF_SELF_NAME"
fi
