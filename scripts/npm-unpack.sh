# Sourced by the scripts that fetch browser assets from the npm registry.
#
# npm_unpack PACKAGE VERSION INTEGRITY DIRECTORY: download PACKAGE@VERSION with npm pack
# into DIRECTORY (no install scripts run), stop unless the tarball has INTEGRITY (what
# `npm view PACKAGE@VERSION dist.integrity` prints), and unpack it to DIRECTORY/package.
npm_unpack() {
  local package="$1" version="$2" expected="$3" directory="$4" integrity
  command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)" >&2; exit 1; }
  (
    cd "$directory"
    npm pack --silent --json "$package@$version" > pack.json
    integrity="$(node -e 'console.log(JSON.parse(require("fs").readFileSync("pack.json"))[0].integrity)')"
    if [[ "$integrity" != "$expected" ]]; then
      echo "$package@$version has integrity $integrity," >&2
      echo "expected ${expected:-(none set)}; check it, then update the script" >&2
      exit 1
    fi
    tar -xzf "${package##*/}-$version.tgz"
  )
}
