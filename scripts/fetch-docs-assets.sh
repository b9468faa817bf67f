#!/usr/bin/env bash
# Fetch the docs page's browser assets (Swagger UI) from the npm registry into
# runtime/gobstopper/openapi/assets/swagger-ui/, where they are committed, so building
# the wheel needs no network and the page served by enable_docs() loads nothing from a CDN.
#
# Source: the npm package swagger-ui-dist (https://www.npmjs.com/package/swagger-ui-dist),
# Apache-2.0, pinned below by version and by the integrity the registry publishes for it.
# Only the standalone bundle, its stylesheet and their licence files are kept.
#
# To refresh: set SWAGGER_UI_VERSION below to the new version and run the script; it
# stops and prints the integrity of the tarball it got. Compare that with
# `npm view swagger-ui-dist@<version> dist.integrity`, put it in SWAGGER_UI_INTEGRITY, run
# the script again, then check the page: .venv/bin/pytest tests/e2e/test_docs_browser.py
#
# Needs npm (npm pack downloads the tarball and checks it; no install scripts run).
set -euo pipefail

SWAGGER_UI_VERSION="5.35.0"
SWAGGER_UI_INTEGRITY="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
FILES=(
  swagger-ui-bundle.js
  swagger-ui-bundle.js.LICENSE.txt
  swagger-ui.css
  LICENSE
  NOTICE
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/runtime/gobstopper/openapi/assets/swagger-ui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/npm-unpack.sh
source "$root/scripts/npm-unpack.sh"
npm_unpack swagger-ui-dist "$SWAGGER_UI_VERSION" "$SWAGGER_UI_INTEGRITY" "$work"
cd "$work"

rm -rf "$target"
mkdir -p "$target"
for name in "${FILES[@]}"; do
  cp "package/$name" "$target/$name"
done
cat > "$target/README.txt" <<EOF
Swagger UI $SWAGGER_UI_VERSION, from the npm package swagger-ui-dist@$SWAGGER_UI_VERSION
($SWAGGER_UI_INTEGRITY).
Licensed under the Apache License 2.0 (LICENSE, NOTICE); the licences of the libraries
inside swagger-ui-bundle.js are in swagger-ui-bundle.js.LICENSE.txt.
Fetched by scripts/fetch-docs-assets.sh; do not edit these files by hand.
EOF
echo "Swagger UI $SWAGGER_UI_VERSION written to ${target#"$root"/}"
