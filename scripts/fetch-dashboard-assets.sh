#!/usr/bin/env bash
# Fetch the dashboard page's charting library (Apache ECharts) from the npm registry into
# the real-time-dashboard template (project-templates/project/livedash/static/echarts/),
# where it is committed and copied into every generated dashboard project as it is, so
# the project's page loads nothing from a CDN and works offline.
#
# Source: the npm package echarts (https://www.npmjs.com/package/echarts), Apache-2.0,
# pinned below by version and by the integrity the registry publishes for it. Only the
# minified browser bundle and its licence files are kept. pyecharts (the project's chart
# APIs) writes options for ECharts 5, which this bundle renders.
#
# To refresh: set ECHARTS_VERSION below to the new version and run the script; it stops
# and prints the integrity of the tarball it got. Compare that with
# `npm view echarts@<version> dist.integrity`, put it in ECHARTS_INTEGRITY, run the script
# again, then check the page: .venv/bin/pytest tests/e2e/test_dashboard_browser.py
#
# Needs npm (npm pack downloads the tarball and checks it; no install scripts run).
set -euo pipefail

ECHARTS_VERSION="5.6.0"
ECHARTS_INTEGRITY="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
FILES=(
  dist/echarts.min.js
  LICENSE
  NOTICE
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/project-templates/project/livedash/static/echarts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/npm-unpack.sh
source "$root/scripts/npm-unpack.sh"
npm_unpack echarts "$ECHARTS_VERSION" "$ECHARTS_INTEGRITY" "$work"
cd "$work"

rm -rf "$target"
mkdir -p "$target"
for name in "${FILES[@]}"; do
  cp "package/$name" "$target/$(basename "$name")"
done
cat > "$target/README.txt" <<NOTE
Apache ECharts $ECHARTS_VERSION, from the npm package echarts@$ECHARTS_VERSION
($ECHARTS_INTEGRITY).
Licensed under the Apache License 2.0 (LICENSE, NOTICE).
Fetched by scripts/fetch-dashboard-assets.sh in the Gobstopper repository; do not edit
these files by hand.
NOTE
echo "ECharts $ECHARTS_VERSION written to ${target#"$root"/}"
